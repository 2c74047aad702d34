from django.contrib import admin

from .models import WebhookDelivery


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["topic", "webhook_id", "store", "outcome", "received_at"]
    list_filter = ["topic", "outcome", "store"]
    search_fields = ["webhook_id"]
