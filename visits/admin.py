"""The Django admin is for the trust's IT person: schools, their settings, staff and roles.

Visits, their timelines and the audit trail are deliberately not here: every change to a visit
goes through `visits.lifecycle`, and need to know (hc25) applies to administrators too.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Membership, School, Trust, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["school"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "job_title", "is_active"]
    fieldsets = BaseUserAdmin.fieldsets + (("Work", {"fields": ("job_title", "mobile", "description")}),)


@admin.register(Trust)
class TrustAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "trust",
        "pairs_required",
        "evening_cutoff",
        "overdue_grace_minutes",
        "slt_discussion_required",
    ]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["trust", "name", "slug", "phone", "email", "address"]}),
        (
            "Policy settings",
            {
                "fields": [
                    "pairs_required",
                    "evening_cutoff",
                    "overdue_grace_minutes",
                    "slt_discussion_required",
                    "lead_may_authorise_own",
                ]
            },
        ),
    ]
