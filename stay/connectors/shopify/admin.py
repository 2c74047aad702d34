from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import PlatformCall, WebhookDelivery
from .services import webhooks_retry


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["topic", "webhook_id", "store", "status", "attempts", "error", "received_at", "processed_at"]
    list_filter = ["status", "topic", "store"]
    search_fields = ["webhook_id"]
    readonly_fields = ["error", "attempts"]
    actions = ["retry"]

    @admin.action(description=_("Apply the failed deliveries again"))
    def retry(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        count = webhooks_retry(delivery_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(count)d delivery will be applied again.", "%(count)d deliveries will be applied again.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(PlatformCall)
class PlatformCallAdmin(admin.ModelAdmin):
    list_display = ["action", "store", "status", "attempts", "requested_by", "created_at", "updated_at"]
    list_filter = ["status", "action"]
    search_fields = ["idempotency_key"]
    readonly_fields = ["response", "last_error", "attempts"]
