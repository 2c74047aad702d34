from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from stay.core.http import client_ip

from .delivery import gift_card_redeliver
from .models import (
    Authorization,
    GiftCard,
    GiftCardEvent,
    GiftCardSettings,
    Hold,
    LedgerEntry,
    LedgerTransaction,
)
from .services import Caller


class ReadOnly(admin.ModelAdmin):
    """The ledger and the audit trail are never edited by hand: reverse, don't edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(GiftCardSettings)
class GiftCardSettingsAdmin(admin.ModelAdmin):
    list_display = ["store", "currency", "expiry_months", "max_value", "reloadable", "card_can_buy_card"]


class EntryInline(admin.TabularInline):
    model = LedgerEntry
    fields = ("created_at", "transaction", "account", "amount", "currency")
    readonly_fields = ("created_at", "transaction", "account", "amount", "currency")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(GiftCard)
class GiftCardAdmin(ReadOnly):
    list_display = ["__str__", "kind", "currency", "balance", "held", "status", "source", "customer", "created_at"]
    list_filter = ["kind", "status", "source", "currency"]
    search_fields = ["last4", "recipient_email", "recipient_name", "source_ref"]
    readonly_fields = [f.name for f in GiftCard._meta.fields if f.name not in ("code_hash", "code_nonce")]
    exclude = ["code_hash", "code_nonce"]
    inlines = [EntryInline]
    actions = ["redeliver"]

    @admin.action(description=_("Send the selected cards to their recipients again"))
    def redeliver(self, request: HttpRequest, queryset: QuerySet[GiftCard]) -> None:
        count = 0
        for card in queryset.exclude(delivery_channel=""):
            gift_card_redeliver(card=card, caller=Caller(f"user:{request.user.get_username()}", client_ip(request)))
            count += 1
        self.message_user(request, _("%(count)s cards will be sent again.") % {"count": count}, messages.SUCCESS)


class EntryOfTransactionInline(EntryInline):
    fields = ("account", "card", "amount", "currency", "created_at")
    readonly_fields = ("account", "card", "amount", "currency", "created_at")


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnly):
    list_display = ["pk", "kind", "currency", "reference", "actor", "created_at"]
    list_filter = ["kind", "currency"]
    search_fields = ["reference", "memo"]
    inlines = [EntryOfTransactionInline]


class HoldInline(admin.TabularInline):
    model = Hold
    fields = ("card", "position", "amount", "captured", "refunded", "released")
    readonly_fields = ("card", "position", "amount", "captured", "refunded", "released")
    extra = 0
    can_delete = False


@admin.register(Authorization)
class AuthorizationAdmin(ReadOnly):
    list_display = ["pk", "reference", "status", "currency", "amount", "captured", "refunded", "created_at"]
    list_filter = ["status"]
    search_fields = ["reference"]
    inlines = [HoldInline]


@admin.register(GiftCardEvent)
class GiftCardEventAdmin(ReadOnly):
    list_display = ["created_at", "kind", "card", "actor", "client"]
    list_filter = ["kind"]
    search_fields = ["actor", "client"]
