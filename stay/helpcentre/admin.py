from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Article, ArticleText, Category
from .services import text_index


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["slug", "names", "position", "store"]
    list_filter = ["store"]


class ArticleTextInline(admin.StackedInline):
    model = ArticleText
    extra = 1
    fields = ["language", "title", "summary", "body", "indexed_at"]
    readonly_fields = ["indexed_at"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["slug", "category", "published", "intents", "helpful_yes", "helpful_no", "updated_at"]
    list_filter = ["store", "category", "published"]
    search_fields = ["slug", "texts__title"]
    inlines = [ArticleTextInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Search must find what was just written, in every language.
        for text in form.instance.texts.all():
            text_index(text)
