from django.contrib import admin

from .models import WhatsAppAccount


@admin.register(WhatsAppAccount)
class WhatsAppAccountAdmin(admin.ModelAdmin):
    list_display = ["display_phone", "phone_number_id", "store"]
