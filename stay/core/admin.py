from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, AuditEntry, OutboxEntry, Store


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "platform", "currency", "timezone", "default_locale", "created_at"]
    search_fields = ["name", "slug"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if not change:
            from .services import api_token_create

            token, raw = api_token_create(username=obj.user.get_username(), name=obj.name)
            obj.pk, obj.prefix, obj.key_hash = token.pk, token.prefix, token.key_hash
            self.message_user(request, _("New token (copy it now, it is not shown again): %s") % raw)
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request, queryset):  # type: ignore[no-untyped-def]
        from django.utils import timezone

        queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The trail is read-only: nobody edits or deletes what was done with personal data."""

    list_display = ["at", "action", "customer_id", "actor", "via", "store"]
    list_filter = ["action", "via", "store"]
    search_fields = ["customer_id", "actor"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(OutboxEntry)
class OutboxEntryAdmin(admin.ModelAdmin):
    list_display = ["event", "subscriber", "status", "attempts", "created_at", "done_at"]
    list_filter = ["status", "event"]
    readonly_fields = ["event", "subscriber", "payload", "status", "attempts", "error", "created_at", "done_at"]
