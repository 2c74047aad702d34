from django.contrib import admin

from .models import ChatWidget, Visitor


@admin.register(ChatWidget)
class ChatWidgetAdmin(admin.ModelAdmin):
    list_display = ["public_key", "store"]


@admin.register(Visitor)
class VisitorAdmin(admin.ModelAdmin):
    list_display = ["token", "customer", "verified", "connections", "last_seen_at"]
    list_filter = ["verified"]
    raw_id_fields = ["customer", "identity"]
