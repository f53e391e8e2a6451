"""The school's own staff pages: its staff and their roles, adding someone, "left the school", a new
school of the trust, and the school's policy settings (issue 14, items 2 and 8).

Who may is `accounts.staff` (`school_for_manager`: the head of the school or a trust administrator
of its trust; anyone else, another school's head included, gets 404). Each page asks for the
second factor again when it was given more than 15 minutes ago (`second_factor.step_up`). Every
view and change is in the audit trail; the services tell the school's leads of each change.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from visits import access, audit
from visits.enums import AuditAction, Role

from .. import staff
from ..forms import RolesForm, SchoolForm, SchoolSettingsForm, StaffAddForm
from ..second_factor import step_up


def _refused(request: HttpRequest, error: staff.StaffChangeRefused) -> None:
    messages.error(request, str(error))


@login_required
@step_up
def staff_home(request: HttpRequest) -> HttpResponse:
    """The schools whose staff this person manages (a head of one school goes straight to it)."""
    schools = list(staff.manageable_schools(request.user))
    if not schools:
        raise Http404
    trusts = list(staff.administered_trusts(request.user))
    if len(schools) == 1 and not trusts:
        return redirect("accounts:staff_list", key=schools[0].slug)
    audit.record(request.user, AuditAction.LIST, object_type="school", detail="schools managed")
    return render(request, "accounts/schools.html", {"schools": schools, "trusts": trusts})


@login_required
@step_up
def staff_list(request: HttpRequest, key: str) -> HttpResponse:
    school = staff.school_for_manager(request.user, key)
    trust_admin = staff.is_trust_admin_of(request.user, school.trust_id)
    wanted = request.GET.get("username", "").strip()[:150]
    if wanted and trust_admin:
        # Someone of another school of the trust, to be given a role here.
        try:
            member = staff.member_at(request.user, school, wanted)
        except Http404:
            messages.error(request, f"Nobody at the trust's schools has the username '{wanted}'.")
        else:
            return redirect("accounts:staff_member", key=school.slug, username=member.username)
    current, former = staff.staff_of(school)
    audit.record(request.user, AuditAction.LIST, object_type="user", school=school, detail="staff list")
    return render(
        request,
        "accounts/staff_list.html",
        {"school": school, "current": current, "former": former, "trust_admin": trust_admin, "wanted": wanted},
    )


@require_http_methods(["GET", "POST"])
@login_required
@step_up
def staff_add(request: HttpRequest, key: str) -> HttpResponse:
    school = staff.school_for_manager(request.user, key)
    form = StaffAddForm(request.POST or None, role_choices=staff.grantable_roles(request.user, school))
    if request.method == "POST" and form.is_valid():
        try:
            member = staff.add_member(request.user, school, form.details(), form.cleaned_data["roles"])
        except staff.StaffChangeRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{member} added. They have been e-mailed a link to set their password.")
            return redirect("accounts:staff_list", key=school.slug)
    return render(request, "accounts/staff_add.html", {"school": school, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
@step_up
def staff_member(request: HttpRequest, key: str, username: str) -> HttpResponse:
    """One member of staff: their roles here, changed by ticking; and 'Left the school'."""
    school = staff.school_for_manager(request.user, key)
    member = _member_for_page(request, school, username)
    current = staff.active_roles(school, member)
    choices = staff.grantable_roles(request.user, school)
    form = RolesForm(request.POST or None, role_choices=choices, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            change = staff.change_roles(request.user, school, member, form.cleaned_data["roles"])
        except staff.StaffChangeRefused as error:
            form.add_error(None, str(error))
        else:
            _say_roles_changed(request, member, change)
            return redirect("accounts:staff_list", key=school.slug)
    offered = {value for value, _ in choices}
    fixed = [label for value, label in Role.choices if value in current and value not in offered]
    return render(
        request,
        "accounts/staff_member.html",
        {"school": school, "member": member, "form": form, "current": current, "fixed": fixed},
    )


def _member_for_page(request: HttpRequest, school, username: str):
    """The member of staff at `school` for a manager (else 404, `staff.member_at`); a GET is
    audited here, as every fetch of one object is (`visits.access.read_by_fetch`)."""
    member = staff.member_at(request.user, school, username)
    access.read_by_fetch(request, member, True, school=school, detail="staff member")
    return member


def _say_roles_changed(request: HttpRequest, member, change: staff.RoleChange) -> None:
    if not change.changed:
        messages.info(request, f"No change to {member}'s roles.")
        return
    messages.success(request, f"{member}'s roles are saved. The safeguarding leads have been told.")
    if change.visits_released:
        messages.warning(
            request,
            f"{len(change.visits_released)} upcoming visit(s) of {member} went back to the office's list: "
            "the office must choose another visitor.",
        )


@require_POST
@login_required
@step_up
def staff_leave(request: HttpRequest, key: str, username: str) -> HttpResponse:
    """Left the school (item 8): every role here ends; their upcoming visits go back to the office."""
    school = staff.school_for_manager(request.user, key)
    member = _member_for_page(request, school, username)
    try:
        released = staff.leave_school(request.user, school, member)
    except staff.StaffChangeRefused as error:
        _refused(request, error)
        return redirect("accounts:staff_member", key=school.slug, username=member.username)
    messages.success(request, f"{member} has left {school}: their roles here have ended.")
    if released:
        messages.warning(
            request,
            f"{len(released)} upcoming visit(s) went back to the office's list with a warning: the office must "
            "choose another visitor, and an authorised one goes back to the safeguarding lead.",
        )
    return redirect("accounts:staff_list", key=school.slug)


@require_POST
@login_required
@step_up
def staff_second_factor_remove(request: HttpRequest, key: str, username: str) -> HttpResponse:
    """A lost phone: the person's second factor is removed; they set a new one up at sign-in."""
    school = staff.school_for_manager(request.user, key)
    member = _member_for_page(request, school, username)
    try:
        staff.remove_second_factor(request.user, school, member)
    except staff.StaffChangeRefused as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            f"{member}'s second factor is removed and they are signed out everywhere. At their next sign-in "
            "they set up their authenticator app again. The safeguarding leads have been told.",
        )
    return redirect("accounts:staff_member", key=school.slug, username=member.username)


@require_http_methods(["GET", "POST"])
@login_required
@step_up
def school_new(request: HttpRequest) -> HttpResponse:
    """A trust administrator adds a school to their trust."""
    trusts = list(staff.administered_trusts(request.user))
    if not trusts:
        raise Http404
    form = SchoolForm(request.POST or None, trusts=trusts)
    if request.method == "POST" and form.is_valid():
        try:
            school = staff.create_school(request.user, form.trust(), form.details())
        except staff.StaffChangeRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{school} added with the default settings. Now add its head and staff.")
            return redirect("accounts:staff_list", key=school.slug)
    return render(request, "accounts/school_new.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
@step_up
def school_settings(request: HttpRequest, key: str) -> HttpResponse:
    school = staff.school_for_manager(request.user, key)
    form = SchoolSettingsForm(request.POST or None, instance=school)
    if request.method == "POST" and form.is_valid():
        try:
            changes = staff.update_settings(request.user, school, form.values())
        except staff.StaffChangeRefused as error:
            form.add_error(None, str(error))
        else:
            if changes:
                messages.success(request, "Settings saved. The safeguarding leads have been told.")
            else:
                messages.info(request, "No setting was changed.")
            return redirect("accounts:school_settings", key=school.slug)
    elif request.method == "GET":
        audit.record(request.user, AuditAction.VIEW, school, school=school, detail="school settings")
    return render(request, "accounts/school_settings.html", {"school": school, "form": form})
