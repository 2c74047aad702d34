from django.contrib import admin

from .models import (
    Agent,
    Attachment,
    BusinessHours,
    Conversation,
    ConversationEvent,
    Macro,
    Message,
    SlaPolicy,
    Team,
)


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "locale", "refund_limit", "seen_at"]
    list_filter = ["role", "locale"]
    filter_horizontal = ["teams"]
    readonly_fields = ["seen_at"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "store"]


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    list_display = ["name", "store"]
    list_filter = ["store"]
    search_fields = ["name", "body"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["store", "priority", "first_response_minutes", "resolution_minutes"]


@admin.register(BusinessHours)
class BusinessHoursAdmin(admin.ModelAdmin):
    list_display = ["store", "weekday", "opens", "closes"]
    list_filter = ["store"]


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ["direction", "channel", "author_kind", "text", "delivery", "created_at"]
    readonly_fields = ["direction", "channel", "author_kind", "text", "delivery", "created_at"]
    can_delete = False
    show_change_link = True


class EventInline(admin.TabularInline):
    model = ConversationEvent
    extra = 0
    readonly_fields = ["kind", "actor", "data", "created_at"]
    can_delete = False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "customer", "channel", "subject", "status", "priority", "assignee", "last_message_at"]
    list_filter = ["store", "channel", "status", "priority"]
    raw_id_fields = ["customer", "merged_into"]
    readonly_fields = ["created_at", "updated_at", "last_message_at", "last_inbound_at", "first_response_at"]
    inlines = [MessageInline, EventInline]
    show_full_result_count = False  # a million conversations: no COUNT(*) on every page


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    readonly_fields = ["filename", "content_type", "size", "content_id", "file"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "conversation", "direction", "channel", "delivery", "created_at"]
    list_filter = ["channel", "direction", "delivery"]
    raw_id_fields = ["conversation", "identity", "author"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [AttachmentInline]
    show_full_result_count = False
