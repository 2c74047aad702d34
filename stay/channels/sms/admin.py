from django.contrib import admin

from .models import TwilioAccount


@admin.register(TwilioAccount)
class TwilioAccountAdmin(admin.ModelAdmin):
    list_display = ["from_number", "account_sid", "store"]
