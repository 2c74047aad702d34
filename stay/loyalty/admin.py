"""The store's programme in the admin: its rules, tiers, campaigns and rewards are edited here;
members, movements and redemptions are read (points change through the services, audited)."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from stay.giftcards.admin import ReadOnly

from .models import (
    LoyaltySettings,
    Member,
    Movement,
    PointsCampaign,
    PointsEntry,
    Redemption,
    Reward,
    Tier,
    TierShipping,
)
from .selectors import programme_report


@admin.register(LoyaltySettings)
class LoyaltySettingsAdmin(admin.ModelAdmin):
    list_display = ["store", "enabled", "earn_points", "earn_per", "pending_mode", "expiry_months", "tier_basis"]
    readonly_fields = ["expiry_since", "figures"]

    @admin.display(description=_("the programme's figures"))
    def figures(self, settings: LoyaltySettings) -> str:
        """The report of ``GET /api/v1/loyalty/report``, for the operator beside the rules."""
        if settings.pk is None:
            return "-"
        report = programme_report(settings.store)
        rate = _("%(members)s of members, %(others)s of other buyers") % {
            "members": _share(report["repeat_rate_members"]),
            "others": _share(report["repeat_rate_others"]),
        }
        rows = [
            (_("Members"), report["members"]),
            (_("Points issued"), report["issued"]),
            (_("Points pending"), report["pending"]),
            (_("Points redeemed"), report["redeemed"]),
            (_("Points expired"), report["expired"]),
            (_("Points outstanding (the liability)"), report["outstanding"]),
            (_("Points owed"), report["owed"]),
            (_("Ordered again"), rate),
        ]
        return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "store",
        "threshold",
        "multiplier",
        "free_shipping",
        "shipping_code",
        "priority_support",
        "entry_points",
    ]
    list_filter = ["store"]
    list_select_related = ["shipping"]

    @admin.display(description=_("free-shipping code"))
    def shipping_code(self, tier: Tier) -> str:
        """The code on the platform that only this tier's members can use (pushed every 15 minutes)."""
        try:
            return tier.shipping.code
        except TierShipping.DoesNotExist:
            return "-"


@admin.register(TierShipping)
class TierShippingAdmin(ReadOnly):
    list_display = ["code", "tier", "store", "pushes", "request_id"]
    list_filter = ["store"]


@admin.register(PointsCampaign)
class PointsCampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "store", "multiplier", "starts_at", "ends_at"]


@admin.register(Reward)
class RewardAdmin(admin.ModelAdmin):
    list_display = ["name", "store", "kind", "points", "value", "active"]
    list_filter = ["store", "kind", "active"]
    raw_id_fields = ["variant"]


class EntryInline(admin.TabularInline):
    model = PointsEntry
    fields = ("bucket", "points", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Member)
class MemberAdmin(ReadOnly):
    list_display = ["customer", "store", "available", "pending", "owed", "tier", "last_purchase_at"]
    list_filter = ["store", "tier"]
    search_fields = ["customer__name", "customer__identities__value", "referral_code"]
    list_select_related = ["customer", "store", "tier"]


@admin.register(Movement)
class MovementAdmin(ReadOnly):
    list_display = ["created_at", "member", "cause", "memo", "actor"]
    list_filter = ["cause", "store"]
    search_fields = ["key", "memo", "member__customer__name"]
    list_select_related = ["member__customer"]
    inlines = [EntryInline]


@admin.register(Redemption)
class RedemptionAdmin(ReadOnly):
    list_display = ["created_at", "member", "reward", "points", "state", "code"]
    list_filter = ["state", "store"]
    list_select_related = ["member__customer", "reward"]
