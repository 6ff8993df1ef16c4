from django import forms
from django.contrib import admin

from peerfund.sandbox.models import BankAccount, BankCallback, BankFaults, BankJournalLine, BankRequest


class BankFaultsForm(forms.ModelForm):
    """The random-fault (chaos) switches are for soak runs: left out of a post they
    keep their off values, so the everyday switches can be set alone."""

    class Meta:
        model = BankFaults
        fields = [f.name for f in BankFaults._meta.fields if f.name not in ("id", "chaos_draws")]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name.startswith("chaos_"):
                field.required = False

    def clean(self):
        data = super().clean()
        for name in self.fields:
            if name.startswith("chaos_") and data.get(name) in (None, ""):
                data[name] = BankFaults._meta.get_field(name).get_default()
        return data


@admin.register(BankFaults)
class BankFaultsAdmin(admin.ModelAdmin):
    form = BankFaultsForm
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
