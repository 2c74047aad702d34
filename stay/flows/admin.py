"""Outreach in the admin: the store's settings, its flows with their steps and texts, and the
record of enrolments, decisions and back-in-stock requests (read-only)."""

from django.contrib import admin

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


@admin.register(OutreachSettings)
class OutreachSettingsAdmin(admin.ModelAdmin):
    list_display = ["store", "quiet_start", "quiet_end", "weekly_cap", "holdout_percent"]


class StepInline(admin.TabularInline):
    model = FlowStep
    extra = 0
    show_change_link = True


@admin.register(Flow)
class FlowAdmin(admin.ModelAdmin):
    list_display = ["name", "store", "trigger", "active"]
    list_filter = ["store", "trigger", "active"]
    inlines = [StepInline]


class TextInline(admin.StackedInline):
    model = StepText
    extra = 0


@admin.register(FlowStep)
class FlowStepAdmin(admin.ModelAdmin):
    list_display = ["flow", "position", "wait", "condition", "channel"]
    inlines = [TextInline]


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
