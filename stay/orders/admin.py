from django.contrib import admin

from .models import (
    Checkout,
    CheckoutLine,
    Fulfilment,
    FulfilmentEvent,
    FulfilmentLine,
    Order,
    OrderEvent,
    OrderLine,
    Refund,
    RefundLine,
)


class LineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = ["title", "variant_title", "sku", "quantity", "unit_price", "total_discount", "is_gift_card"]
    raw_id_fields = ["variant"]


class FulfilmentInline(admin.TabularInline):
    model = Fulfilment
    extra = 0
    fields = ["status", "shipment_status", "carrier", "tracking_number", "tracking_url", "delivered_at"]


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    fields = ["amount", "reason", "refunded_at"]


class EventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    readonly_fields = ["kind", "actor", "data", "created_at"]
    can_delete = False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "store",
        "customer",
        "placed_at",
        "total",
        "currency",
        "financial_status",
        "fulfillment_status",
        "is_gift",
    ]
    list_filter = ["store", "financial_status", "fulfillment_status", "is_gift"]
    search_fields = ["name", "number", "email", "platform_id"]
    date_hierarchy = "placed_at"
    raw_id_fields = ["customer"]
    inlines = [LineInline, FulfilmentInline, RefundInline, EventInline]


class FulfilmentLineInline(admin.TabularInline):
    model = FulfilmentLine
    extra = 0
    raw_id_fields = ["line"]


class TrackingInline(admin.TabularInline):
    model = FulfilmentEvent
    extra = 0


@admin.register(Fulfilment)
class FulfilmentAdmin(admin.ModelAdmin):
    inlines = [FulfilmentLineInline, TrackingInline]
    list_display = ["order", "carrier", "tracking_number", "status", "shipment_status", "delivered_at"]
    list_filter = ["shipment_status", "carrier"]
    search_fields = ["tracking_number", "order__name"]
    raw_id_fields = ["order"]


@admin.register(FulfilmentEvent)
class FulfilmentEventAdmin(admin.ModelAdmin):
    list_display = ["fulfilment", "status", "happened_at", "message"]
    raw_id_fields = ["fulfilment"]


class RefundLineInline(admin.TabularInline):
    model = RefundLine
    extra = 0
    raw_id_fields = ["line"]


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    inlines = [RefundLineInline]
    list_display = ["order", "amount", "refunded_at", "reason"]
    raw_id_fields = ["order"]


class CheckoutLineInline(admin.TabularInline):
    model = CheckoutLine
    extra = 0
    raw_id_fields = ["variant"]


@admin.register(Checkout)
class CheckoutAdmin(admin.ModelAdmin):
    list_display = ["token", "store", "customer", "email", "total", "platform_updated_at", "completed_at"]
    list_filter = ["store"]
    search_fields = ["token", "email"]
    raw_id_fields = ["customer"]
    inlines = [CheckoutLineInline]


@admin.register(OrderEvent)
class OrderEventAdmin(admin.ModelAdmin):
    list_display = ["order", "kind", "actor", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["order"]
