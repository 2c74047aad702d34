import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from stay.core.privacy import customer_erase, customer_export

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
        "erased_at",
        "first_order_at",
        "last_order_at",
        "orders_count",
        "total_spent",
        "merged_into",
        "created_at",
        "updated_at",
    ]
    inlines = [IdentityInline, ConsentInline, EventInline]
    actions = ["export_personal_data", "erase_personal_data"]

    @admin.action(description=_("Export their personal data (JSON)"))
    def export_personal_data(self, request: HttpRequest, queryset: QuerySet[Customer]) -> HttpResponse:
        actor = f"user:{request.user.get_username()}"
        data = [customer_export(store=c.store, customer_id=c.pk, actor=actor, via="admin") for c in queryset[:100]]
        response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
        response["Content-Disposition"] = 'attachment; filename="personal-data.json"'
        return response

    @admin.action(description=_("Erase their personal data (orders' amounts and the ledger are kept)"))
    def erase_personal_data(self, request: HttpRequest, queryset: QuerySet[Customer]) -> None:
        actor = f"user:{request.user.get_username()}"
        count = 0
        for customer in queryset:
            customer_erase(store=customer.store, customer_id=customer.pk, actor=actor, via="admin")
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d customer's data was erased.", "%(count)d customers' data was erased.", count)
            % {"count": count},
            messages.SUCCESS,
        )


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
