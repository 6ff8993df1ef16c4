from django.contrib import admin

from peerfund.custody.models import CallbackLog, CustodyAccount, Instruction, ReconciliationDifference, ReconciliationReport


@admin.register(CustodyAccount)
class CustodyAccountAdmin(admin.ModelAdmin):
    list_display = ("account_no", "owner", "platform_code", "opened_at")


@admin.register(Instruction)
class InstructionAdmin(admin.ModelAdmin):
    list_display = ("request_no", "op", "status", "attempts", "business_date", "last_error")
    list_filter = ("op", "status")
    search_fields = ("request_no",)
    readonly_fields = [f.name for f in Instruction._meta.fields]


class DifferenceInline(admin.TabularInline):
    model = ReconciliationDifference
    extra = 0
    can_delete = False


@admin.register(ReconciliationReport)
class ReconciliationReportAdmin(admin.ModelAdmin):
    list_display = ("business_date", "matched_requests", "difference_count", "created_at")
    inlines = [DifferenceInline]


admin.site.register(CallbackLog)
