from django.contrib import admin

from peerfund.sandbox.models import BankAccount, BankCallback, BankFaults, BankJournalLine, BankRequest


@admin.register(BankFaults)
class BankFaultsAdmin(admin.ModelAdmin):
    list_display = ("id", "async_callbacks", "duplicate_callbacks", "reorder_callbacks", "lose_next_callbacks", "reject_next_requests", "chaos_seed")


@admin.register(BankAccount)
class BankAccountAdmin(admin.ModelAdmin):
    list_display = ("account_no", "holder_ref", "name", "available_fen", "frozen_fen")
    search_fields = ("account_no", "holder_ref")


@admin.register(BankRequest)
class BankRequestAdmin(admin.ModelAdmin):
    list_display = ("request_no", "op", "status", "reason", "business_date")
    list_filter = ("op", "status")


admin.site.register(BankJournalLine)
admin.site.register(BankCallback)
