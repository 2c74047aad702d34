from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AssistantSettings, Intent, IntentExample, Turn


@admin.register(AssistantSettings)
class AssistantSettingsAdmin(admin.ModelAdmin):
    list_display = ["store", "enabled", "channels", "suggest_replies", "confidence"]


class ExampleInline(admin.TabularInline):
    model = IntentExample
    extra = 10  # about ten examples teach a new intent


@admin.register(Intent)
class IntentAdmin(admin.ModelAdmin):
    list_display = ["name", "store", "enabled", "to_a_person", "article"]
    list_filter = ["store", "enabled"]
    search_fields = ["name", "examples__text"]
    inlines = [ExampleInline]


@admin.register(Turn)
class TurnAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "language", "intent", "confidence", "outcome", "action", "handoff_reason"]
    list_filter = ["store", "outcome", "intent", "channel", "language", "handoff_reason"]
    search_fields = ["intent", "text"]
    readonly_fields = [f.name for f in Turn._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


class LabelledByAgent(admin.SimpleListFilter):
    title = _("labelled by an agent")
    parameter_name = "labelled"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        if self.value() == "yes":
            return queryset.exclude(added_by="")
        if self.value() == "no":
            return queryset.filter(added_by="")
        return queryset


@admin.register(IntentExample)
class IntentExampleAdmin(admin.ModelAdmin):
    """The store's examples, to review what agents taught the assistant (issue 24): delete a
    wrong one and the assistant unlearns it."""

    list_display = ["text", "intent", "language", "added_by", "added_at"]
    list_filter = [LabelledByAgent, "intent__store", "intent__name"]
    search_fields = ["text", "intent__name"]
    readonly_fields = ["added_by", "added_at", "from_turn"]
