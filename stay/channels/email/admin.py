from django.contrib import admin

from .models import InboundEmail, Mailbox


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ["address", "display_name", "store"]


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    list_display = ["sender", "subject", "disposition", "received_at"]
    list_filter = ["disposition", "store"]
    search_fields = ["sender", "subject", "header_message_id"]
    readonly_fields = ["store", "header_message_id", "sender", "subject", "disposition", "message", "received_at"]
    exclude = ["raw"]
