from django.contrib import admin

from peerfund.cob.models import CloseRun


@admin.register(CloseRun)
class CloseRunAdmin(admin.ModelAdmin):
    """Who ran each close. On SQLite, a run left "running" from another host (which the
    next close cannot check is alive) is released here by setting it to abandoned."""

    list_display = ("id", "source", "dates", "holder", "status", "started_at", "finished_at")
    list_filter = ("status", "source")
    readonly_fields = ("holder", "source", "dates", "error", "started_at", "finished_at")
