"""The Django admin is for the trust's IT person: creating a trust and a school record, seeing who
exists, and switching an account off. Nothing there reaches a pupil, and nothing there is a back
door (issue 14):

- No role is granted here: a person's roles are shown read-only. The school's head manages staff
  and roles in the app, where each change is audited and the school's leads are told.
- No password is set here and no account is made with one: the admin's password form answers 403,
  and a person's name, username and e-mail address are read-only too (a changed address would let
  a password reset be sent to someone else).
- A school's policy settings (four-eyes, pairs, the evening cut-off, the watch's minutes, the
  second factor for everyone) are read-only: the head sets them in the app. Any setting added to
  `School` later is read-only here unless it is named in `SCHOOL_RECORD`.
- Visits, households, pupils, concerns and the audit trail are not registered, nor what holds a
  second factor's secrets (django-otp's devices), nor groups, which grant nothing in the app.
- Every change the admin still makes is written to the app's audit trail (`AuditedAdmin`), at the
  admin's own logging hooks, which see the "delete selected" action and inline forms too.

A superuser has no other path to a visit: `visits.who` and `visits.access` never read
`is_superuser` (guardian is asked with `with_superuser=False`), so without a school role the IT
person gets 404 on every visit, like anyone else (hc25).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit, notify
from .enums import AuditAction, Role
from .models import Membership, School, Trust, User

# --- the audit trail ---------------------------------------------------------------------------------


def _schools_of(obj: Model) -> list[int | None]:
    """The schools whose audit trail shows a change to `obj`: the school itself, a person's schools,
    a trust's schools; None (the trust-wide trail) when it has none."""
    if isinstance(obj, School):
        ids = [obj.pk]
    elif isinstance(obj, User):
        ids = list(Membership.objects.filter(user=obj).values_list("school_id", flat=True).distinct())
    elif isinstance(obj, Trust):
        ids = list(obj.schools.values_list("pk", flat=True))
    else:
        ids = []
    return ids or [None]


def _what_changed(message) -> str:
    """The admin's change message in a few words of our own: the names of the fields changed, never
    a value typed (`audit.record` keeps user-typed text out of the trail)."""
    if not isinstance(message, list):
        return ""
    words = []
    for part in message:
        if "changed" in part:
            words.extend(str(name) for name in part["changed"].get("fields", []))
        for verb in ("added", "deleted"):
            if verb in part:
                words.append(f"{verb} {part[verb].get('name', '')}".strip())
    return ", ".join(words)


def _audit(request: HttpRequest, action: AuditAction, obj: Model, what: str) -> None:
    detail = f"Django admin: {what}"
    for school_id in _schools_of(obj):
        audit.record(
            request.user,
            action,
            obj,
            object_type=obj._meta.model_name,
            school=school_id,
            detail=detail,
            request=request,
        )
        if school_id is not None:
            _tell_leads(request, school_id, obj, what)


def _tell_leads(request: HttpRequest, school_id: int, obj: Model, what: str) -> None:
    """The school's safeguarding leads hear of every change the admin makes that concerns it, on
    commit (issue 14): names and the fields changed, never a value typed."""
    school = School.objects.filter(pk=school_id).values_list("name", flat=True).first()
    context = {
        "actor": request.user.get_full_name() or request.user.get_username(),
        "actor_username": request.user.get_username(),
        "what": what,
        "kind": obj._meta.verbose_name,
        "name": str(obj),
        "school": school,
        # The app's home (visits names no URL of the apps built on it); the trail is a click away.
        "home_url": reverse("home"),
    }
    recipients = notify.school_emails(school_id, set(Role.safeguarding()))
    transaction.on_commit(lambda: notify.send("admin_changed", recipients, context), robust=True)


class AuditedAdmin(admin.ModelAdmin):
    """Every addition, change and deletion made through the admin goes to the app's audit trail
    (who, what, which schools, from where), as well as to Django's own admin log. Every admin of
    the site is one (tests/accounts/test_admin_back_door.py checks)."""

    def log_addition(self, request, obj, message):
        _audit(request, AuditAction.CREATE, obj, "added")
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        what = _what_changed(message)
        if what:  # saved without a change: nothing happened
            _audit(request, AuditAction.UPDATE, obj, f"changed {what}")
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        # Called before the rows go, so a person's or a trust's schools can still be found.
        for obj in queryset:
            _audit(request, AuditAction.UPDATE, obj, "deleted")
        return super().log_deletions(request, queryset)


# --- people: seen, and switched off ------------------------------------------------------------------


class MembershipInline(admin.TabularInline):
    """A person's roles, read only: the head grants and ends them in the app."""

    model = Membership
    extra = 0
    fields = readonly_fields = ["school", "role", "is_active"]
    can_delete = False
    verbose_name_plural = "Roles (managed by the school's head in the app)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(AuditedAdmin):
    """Who exists, with their roles. The one change left is switching an account off (its owner can
    no longer sign in); switching it back on is the head's, in the app."""

    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "job_title", "is_active", "last_login"]
    list_filter = ["is_active", "is_staff", "memberships__school"]
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering = ["username"]
    fieldsets = [
        (None, {"fields": ["username", "sign_in"]}),
        ("Person", {"fields": ["first_name", "last_name", "email", "job_title", "mobile", "description"]}),
        ("Account", {"fields": ["is_active", "is_staff", "is_superuser", "last_login", "date_joined"]}),
    ]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        names = [name for _, options in self.fieldsets for name in options["fields"]]
        if obj is not None and obj.is_active:
            names.remove("is_active")
        return names

    @admin.display(description="Password")
    def sign_in(self, obj: User) -> str:
        if not obj.has_usable_password():
            return "None set yet: the person sets their own."
        return "Set by its owner. It cannot be seen or changed here."

    def has_add_permission(self, request) -> bool:
        return False  # staff are created by their school, in the app

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # switch the account off instead: their visits and the audit trail keep them

    def get_urls(self) -> list[URLPattern]:
        # Where Django's own user admin has its "set password" form: refused, so that no one takes
        # over an account by setting its password here.
        refused = path(
            "<path:object_id>/password/",
            self.admin_site.admin_view(self.password_refused),
            name="visits_user_password_change",
        )
        return [refused, *super().get_urls()]

    def password_refused(self, request: HttpRequest, object_id: str) -> HttpResponse:
        raise PermissionDenied("Passwords are set by their owners, never in the admin.")


# --- trusts and schools: created here, their policy set by the head in the app ------------------------


@admin.register(Trust)
class TrustAdmin(AuditedAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# The school's record, which IT keeps; every other setting is the school's policy, read-only here.
SCHOOL_RECORD = ["trust", "name", "slug", "phone", "email", "address"]
SCHOOL_POLICY = [
    field.name
    for field in School._meta.concrete_fields
    if field.editable and not field.primary_key and field.name not in SCHOOL_RECORD
]


@admin.register(School)
class SchoolAdmin(AuditedAdmin):
    list_display = ["name", "trust", "pairs_required", "lead_may_authorise_own", "second_factor_for_all"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = SCHOOL_POLICY
    fieldsets = [
        (None, {"fields": SCHOOL_RECORD}),
        (
            "Policy settings (set by the school's head in the app; a new school starts with the safe defaults)",
            {"fields": SCHOOL_POLICY},
        ),
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # its staff's roles, households and visits hang on it


# --- what else is in the admin -------------------------------------------------------------------------

# Registered by the apps installed before this one: django-otp's devices show and change a person's
# authenticator key and recovery codes; groups grant nothing in the app (roles are memberships).
for _model in (TOTPDevice, StaticDevice, Group):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)

# What is left from those apps (django-axes' sign-in records: IT unlocks an account there) is
# audited like our own.
for _model, _model_admin in list(admin.site._registry.items()):
    if not isinstance(_model_admin, AuditedAdmin):
        _class = type(_model_admin)
        admin.site.unregister(_model)
        admin.site.register(_model, type(f"Audited{_class.__name__}", (AuditedAdmin, _class), {"__module__": __name__}))
