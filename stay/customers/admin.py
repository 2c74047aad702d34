from django.contrib import admin

from .models import ConsentRecord, Customer, CustomerEvent, CustomerMerge, Identity


class IdentityInline(admin.TabularInline):
    model = Identity
    extra = 0
    fields = ["kind", "value", "verified", "created_at"]
    readonly_fields = ["created_at"]


class ConsentInline(admin.TabularInline):
    model = ConsentRecord
    extra = 0
    readonly_fields = ["channel", "state", "occurred_at", "source", "evidence", "recorded_at"]
    can_delete = False  # consent is evidence: history is never edited


class EventInline(admin.TabularInline):
    model = CustomerEvent
    extra = 0
    readonly_fields = ["kind", "actor", "data", "created_at"]
    can_delete = False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "store", "locale", "orders_count", "total_spent", "last_order_at"]
    list_filter = ["store", "locale"]
    search_fields = ["name", "identities__value"]
    readonly_fields = [
        "first_order_at",
        "last_order_at",
        "orders_count",
        "total_spent",
        "merged_into",
        "created_at",
        "updated_at",
    ]
    inlines = [IdentityInline, ConsentInline, EventInline]


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    list_display = ["kind", "value", "customer", "verified"]
    list_filter = ["kind", "verified"]
    search_fields = ["value"]
    raw_id_fields = ["customer"]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    list_display = ["customer", "channel", "state", "occurred_at", "source"]
    list_filter = ["channel", "state"]
    raw_id_fields = ["customer"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(CustomerEvent)
class CustomerEventAdmin(admin.ModelAdmin):
    list_display = ["customer", "kind", "actor", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["customer"]


@admin.register(CustomerMerge)
class CustomerMergeAdmin(admin.ModelAdmin):
    list_display = ["survivor", "merged", "merged_by", "merged_at"]
    raw_id_fields = ["survivor", "merged"]
