from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import DeletionRequest
from .services import deletion_confirm


@admin.register(DeletionRequest)
class DeletionRequestAdmin(admin.ModelAdmin):
    list_display = ["requested_at", "customer", "store", "state", "done_by", "done_at"]
    list_filter = ["state", "store"]
    readonly_fields = ["store", "customer", "state", "requested_at", "done_by", "done_at"]
    actions = ["confirm"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Confirm: erase these customers' personal data"))
    def confirm(self, request: HttpRequest, queryset: QuerySet[DeletionRequest]) -> None:
        for waiting in queryset:
            deletion_confirm(request=waiting, actor=f"user:{request.user.get_username()}")
        self.message_user(request, _("Erased."), messages.SUCCESS)
