"""Related parties are kept by a superuser in Django's admin (every change there is
audited): who they are and how they are related to the platform."""
from django.contrib import admin

from peerfund.disclosure.models import RelatedParty


@admin.register(RelatedParty)
class RelatedPartyAdmin(admin.ModelAdmin):
    list_display = ("user", "relation", "added_by", "created_at")
    raw_id_fields = ("user", "added_by")
    search_fields = ("user__username", "relation")
