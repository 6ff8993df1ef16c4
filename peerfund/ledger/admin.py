"""Read-only views of the books for superusers; money moves only through services."""
from django.contrib import admin

from peerfund.ledger.models import Account, Entry, Posting


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "owner", "scope", "balance_fen")
    list_filter = ("kind",)


class PostingInline(admin.TabularInline):
    model = Posting
    extra = 0
    can_delete = False
    readonly_fields = ("account", "amount_fen", "balance_after_fen")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "ref", "business_date", "created_at")
    list_filter = ("kind", "business_date")
    search_fields = ("key", "ref")
    inlines = [PostingInline]
