"""Outreach in the admin: the store's settings, its flows with their steps and texts, and the
record of enrolments, decisions and back-in-stock requests (read-only)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from stay.core.errors import StayError
from stay.core.money import money_text

from .attribution import flow_metrics
from .models import (
    Campaign,
    Conversion,
    Enrolment,
    Flow,
    FlowStep,
    Outreach,
    OutreachSettings,
    RestockRequest,
    StepText,
    WelcomeGift,
)
from .preview import step_preview, step_test_send


@admin.register(OutreachSettings)
class OutreachSettingsAdmin(admin.ModelAdmin):
    list_display = ["store", "quiet_start", "quiet_end", "weekly_cap", "holdout_percent"]


class StepInline(admin.TabularInline):
    model = FlowStep
    extra = 0
    show_change_link = True


@admin.register(Flow)
class FlowAdmin(admin.ModelAdmin):
    list_display = ["name", "store", "trigger", "active", "results"]
    list_filter = ["store", "trigger", "active"]
    readonly_fields = ["results"]
    inlines = [StepInline]

    @admin.display(description=_("results"))
    def results(self, flow: Flow) -> str:
        """What the flow did and what it caused (its lift over the holdout)."""
        if flow.pk is None:
            return ""
        m = flow_metrics(flow)
        interval = m.lift.interval
        lift = (
            _("lift %(lift)+.1f points (95%%: %(low)+.1f to %(high)+.1f)")
            % {"lift": m.lift.lift * 100, "low": interval[0] * 100, "high": interval[1] * 100}
            if interval
            else _("lift: not measurable yet")
        )
        return _(
            "%(sent)s sent, %(delivered)s delivered, %(clicked)s clicked, %(converted)s orders worth %(revenue)s, "
            "%(opt_outs)s opt-outs; %(lift)s"
        ) % {
            "sent": m.sent,
            "delivered": m.delivered,
            "clicked": m.clicked,
            "converted": m.converted,
            "revenue": money_text(m.revenue, flow.store.currency),
            "opt_outs": m.opt_outs,
            "lift": lift,
        }


class TextInline(admin.StackedInline):
    model = StepText
    extra = 0


@admin.register(FlowStep)
class FlowStepAdmin(admin.ModelAdmin):
    list_display = ["flow", "position", "wait", "condition", "channel", "preview_link"]
    inlines = [TextInline]

    @admin.display(description=_("preview"))
    def preview_link(self, step: FlowStep) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:flows_flowstep_preview", args=[step.pk]), _("Preview"))

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="flows_flowstep_preview",
            )
        ]
        return own + super().get_urls()

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The step's message as a real customer would get it (``?customer=ID``), in each
        language it is written in; a test send e-mails it to the address given, marked as a test."""
        step = get_object_or_404(FlowStep.objects.select_related("flow__store"), pk=pk)
        if not self.has_view_permission(request, step):
            raise PermissionDenied
        customer_id = request.GET.get("customer") or request.POST.get("customer") or ""
        previews, error, sent = [], "", ""
        try:
            previews = step_preview(step=step, customer_id=int(customer_id) if customer_id.isdigit() else None)
            if request.method == "POST":
                sent = step_test_send(step=step, previews=previews, address=request.POST.get("email", ""))
        except StayError as exc:
            error = str(exc)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Preview: %(step)s") % {"step": step},
            "step": step,
            "customer_id": customer_id,
            "previews": previews,
            "error": error,
            "sent": sent,
        }
        return render(request, "flows/admin_preview.html", context)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnly):
    list_display = ["flow", "customer", "state", "position", "next_at", "holdout", "exit_reason"]
    list_filter = ["state", "flow"]
    raw_id_fields = ["customer"]


@admin.register(Outreach)
class OutreachAdmin(ReadOnly):
    list_display = ["decided_at", "customer", "flow", "channel", "verdict", "reason", "until", "clicked_at"]
    list_filter = ["verdict", "channel", "flow"]
    raw_id_fields = ["customer", "enrolment", "message"]


@admin.register(RestockRequest)
class RestockRequestAdmin(ReadOnly):
    list_display = ["created_at", "customer", "variant", "channel", "released_at"]
    raw_id_fields = ["customer", "variant"]


@admin.register(Campaign)
class CampaignAdmin(ReadOnly):
    list_display = ["name", "store", "channel", "send_at", "audience", "state"]


@admin.register(WelcomeGift)
class WelcomeGiftAdmin(ReadOnly):
    list_display = ["created_at", "customer", "person", "kind", "value", "code"]
    raw_id_fields = ["customer"]


@admin.register(Conversion)
class ConversionAdmin(ReadOnly):
    list_display = ["created_at", "order", "flow", "touch", "revenue"]
    raw_id_fields = ["order", "customer", "outreach"]
