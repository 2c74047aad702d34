from django.contrib import admin

from .models import RecommendationSettings


@admin.register(RecommendationSettings)
class RecommendationSettingsAdmin(admin.ModelAdmin):
    list_display = ["store", "excluded_tags"]
