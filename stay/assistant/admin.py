from django.contrib import admin

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
