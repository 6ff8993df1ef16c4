from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from peerfund.accounts.models import ApiToken, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = DjangoUserAdmin.fieldsets + (("PeerFund", {"fields": ("display_name", "phone")}),)
    list_display = ("username", "display_name", "is_staff", "is_active", "date_joined")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "token_hash", "created_at", "last_used_at")
