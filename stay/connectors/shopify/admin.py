from django.contrib import admin

from .models import PlatformCall, WebhookDelivery


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["topic", "webhook_id", "store", "status", "attempts", "received_at", "processed_at"]
    list_filter = ["status", "topic", "store"]
    search_fields = ["webhook_id"]


@admin.register(PlatformCall)
class PlatformCallAdmin(admin.ModelAdmin):
    list_display = ["action", "store", "status", "attempts", "requested_by", "created_at", "updated_at"]
    list_filter = ["status", "action"]
    search_fields = ["idempotency_key"]
    readonly_fields = ["response", "last_error", "attempts"]
