"""The operator's side: the rules (in order, each explained), the settings, and every return
with its lines, decision and history (read-only: returns move through their services)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Return, ReturnLine, ReturnRule, ReturnSettings, ReturnTransition


@admin.register(ReturnRule)
class ReturnRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("position", "name", "enabled", "store")
    list_display_links = ("name",)
    list_editable = ("position", "enabled")
    list_filter = ("store", "enabled")
    fieldsets = (
        (None, {"fields": ("store", "position", "name", "enabled", "explanation")}),
        (
            "When",
            {
                "fields": (
                    ("placed_from", "placed_until"),
                    "delivered_within_days",
                    "reasons",
                    ("product_tags", "product_types", "skus"),
                    ("price_min", "price_max", "below_return_shipping"),
                    "gift",
                    ("customer_min_orders", "customer_max_orders", "customer_max_returns"),
                )
            },
        ),
        (
            "Then",
            {
                "fields": (
                    "returnable",
                    ("window_days", "window_until"),
                    "outcomes",
                    ("bonus_percent", "restocking_fee_percent"),
                    ("auto_approve", "require_photos", "keep_item", "replace_now"),
                )
            },
        ),
    )


@admin.register(ReturnSettings)
class ReturnSettingsAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("store", "return_shipping_cost", "no_return_limit", "carrier")


class LineInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ReturnLine
    extra = 0
    can_delete = False
    fields = (
        "order_line",
        "quantity",
        "reason",
        "verdict",
        "rule",
        "outcome",
        "exchange_variant",
        "keep_item",
        "received_quantity",
        "condition",
        "restocked",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TransitionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ReturnTransition
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "from_status", "to_status", "actor", "data")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Return)
class ReturnAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("number", "order", "customer", "status", "verdict", "rule", "is_gift", "created_at")
    list_filter = ("store", "status", "verdict", "is_gift")
    search_fields = ("number", "order__name")
    readonly_fields = [f.name for f in Return._meta.fields]
    inlines = [LineInline, TransitionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
