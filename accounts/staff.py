"""Staff, roles and school settings, managed in the app by the school's own head and the trust's
administrators (issue 14, items 2 and 8): who may, and every change, audited, the leads told.

Who may manage a school's staff and its policy settings (`may_manage_staff`): its head (an active
`head` role there), and a trust administrator of its trust (an active `trust_admin` role at any
school of that trust). A trust administrator alone gives or takes the trust administrator role and
creates schools in the trust. Nobody gives themselves a role, marks themselves as left, or (as a
head) removes their own head role as the school's last head: another head or the trust
administrator does it, so that no one raises their own access unseen (issue 14, item 1).

The rule lives here, not in `visits/who.py`: `visits.who` answers who may do what to visits, and
staff management builds on visits as safeguarding does, through its services: the lifecycle
(`lock_for_change`, `authorisation_changed`, `log_event`), the audit trail and the e-mail helper.

Every write locks the school's row first, then the member of staff's, then their visits (the
order booking takes people before visits), so that two heads changing the same school are served
one after the other: two last heads cannot each remove their own head role.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify

from visits import audit, lifecycle, notify, who
from visits.enums import AuditAction, EventKind, Role, Status
from visits.hooks import Panel
from visits.models import Membership, School, Trust, User, Visit

from . import second_factor

# The school's policy settings a head changes in the app, with the words the page and the e-mails
# use for each (the models' comments name the clauses).
SETTINGS = {
    "pairs_required": "Visits in pairs required",
    "evening_cutoff": "Evening cut-off",
    "overdue_grace_minutes": "Minutes before a visit is overdue",
    "travel_minutes": "Minutes to get back to school",
    "acknowledge_minutes": "Minutes before an alarm goes to every lead",
    "day_end": "End of the school's day",
    "slt_discussion_required": "Discussed with SLT before authorisation",
    "lead_may_authorise_own": "A lead may authorise their own visits",
    "second_factor_for_all": "Second factor for all staff",
}
SETTING_FIELDS = tuple(SETTINGS)
# A person's own profile: what the office reads to the police if the code word is used (hc18, hc19),
# and the job title the booking form fills in as their role on a visit (hc06).
PROFILE_FIELDS = ("mobile", "description", "job_title")


class StaffChangeRefused(Exception):
    """A change of staff or roles the rules do not allow; the message is for the head."""


# --- who may -----------------------------------------------------------------------------------


def administered_trust_ids(user: User) -> set[int]:
    """The trusts of which `user` is an administrator (a trust admin role at any of its schools).
    Cached on the user for the request, as `who.roles_of` is."""
    cached = getattr(user, "_accounts_trust_ids", None)
    if cached is None:
        schools = who.roles_of(user).schools_with({Role.TRUST_ADMIN})
        cached = set(School.objects.filter(pk__in=schools).values_list("trust_id", flat=True)) if schools else set()
        if user.is_authenticated:
            user._accounts_trust_ids = cached
    return cached


def is_trust_admin_of(user: User, trust_id: int) -> bool:
    return trust_id in administered_trust_ids(user)


def may_manage_staff(user: User, school: School) -> bool:
    """See and change the school's staff and roles: its head, or a trust administrator of its trust."""
    return who.roles_of(user).has(school.pk, {Role.HEAD}) or is_trust_admin_of(user, school.trust_id)


def may_change_settings(user: User, school: School) -> bool:
    """Change the school's policy settings: the same people as its staff."""
    return may_manage_staff(user, school)


def may_grant(user: User, school: School, role: str) -> bool:
    """Give or take `role` at `school`: the trust administrator role only by a trust administrator."""
    if not may_manage_staff(user, school):
        return False
    return role != Role.TRUST_ADMIN or is_trust_admin_of(user, school.trust_id)


def grantable_roles(user: User, school: School) -> list[tuple[str, str]]:
    return [(value, label) for value, label in Role.choices if may_grant(user, school, value)]


def may_create_school(user: User, trust: Trust) -> bool:
    return is_trust_admin_of(user, trust.pk)


def may_manage_any(user: User) -> bool:
    """For the navigation: a head or trust administrator anywhere (no query)."""
    return bool(who.roles_of(user).schools_with({Role.HEAD, Role.TRUST_ADMIN}))


def manageable_schools(user: User) -> QuerySet[School]:
    heads = who.roles_of(user).schools_with({Role.HEAD})
    return (
        School.objects.filter(Q(pk__in=heads) | Q(trust_id__in=administered_trust_ids(user)))
        .select_related("trust")
        .order_by("name")
    )


def administered_trusts(user: User) -> QuerySet[Trust]:
    return Trust.objects.filter(pk__in=administered_trust_ids(user)).order_by("name")


def school_for_manager(user: User, key: str) -> School:
    """The school named by its slug or code in a URL, if `user` manages it; 404 otherwise, so that
    nobody learns of a school they do not manage."""
    try:
        lookup = Q(code=UUID(key))
    except ValueError:
        lookup = Q(slug=key)
    school = School.objects.filter(lookup).select_related("trust").first()
    if school is None or not may_manage_staff(user, school):
        raise Http404
    return school


def member_at(actor: User, school: School, username: str) -> User:
    """A person who holds or held a role at `school`; for a trust administrator, at any school of
    its trust (someone who works at two of the trust's schools is given a role at the second).
    404 for anyone else: a head never reaches another school's staff."""
    people = User.objects.filter(username=username)
    if is_trust_admin_of(actor, school.trust_id):
        people = people.filter(memberships__school__trust_id=school.trust_id)
    else:
        people = people.filter(memberships__school=school)
    user = people.distinct().first()
    if user is None:
        raise Http404
    return user


# --- the list ----------------------------------------------------------------------------------


@dataclass
class StaffMember:
    user: User
    roles: list[str] = field(default_factory=list)  # active role values at the school
    former: list[str] = field(default_factory=list)  # ended ones

    @property
    def role_labels(self) -> list[str]:
        return [Role(r).label for r in self.roles]

    @property
    def former_labels(self) -> list[str]:
        return [Role(r).label for r in self.former]


def staff_of(school: School) -> tuple[list[StaffMember], list[StaffMember]]:
    """The school's current staff and its former staff (no active role left), in one query."""
    people: dict[int, StaffMember] = {}
    rows = (
        Membership.objects.filter(school=school)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user_id", "role")
    )
    for row in rows:
        member = people.setdefault(row.user_id, StaffMember(row.user))
        (member.roles if row.is_active else member.former).append(row.role)
    current = [m for m in people.values() if m.roles]
    return current, [m for m in people.values() if not m.roles]


def active_roles(school: School, user: User) -> set[str]:
    return set(Membership.objects.filter(school=school, user=user, is_active=True).values_list("role", flat=True))


# --- changes -------------------------------------------------------------------------------------


def _lock(school: School, user: User | None = None) -> None:
    """The school's row, then the person's (booking takes people before visits; so do we)."""
    School.objects.select_for_update().filter(pk=school.pk).values_list("pk").first()
    if user is not None:
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk").first()


def _check_may(actor: User, school: School) -> None:
    if not may_manage_staff(actor, school):
        raise StaffChangeRefused("You may not manage the staff of this school.")


def _check_roles(actor: User, school: School, roles: Iterable[str]) -> None:
    for role in roles:
        if role not in Role.values:
            raise StaffChangeRefused("Choose roles from the list.")
        if not may_grant(actor, school, role):
            raise StaffChangeRefused(f"Only a trust administrator may give or take the role '{Role(role).label}'.")


def _tell_leads(school: School, actor: User, what: str, visits: list[Visit] | None = None) -> None:
    """The school's safeguarding leads hear of every change of its staff or settings, on commit.
    Names and roles only, and links behind the sign-in: nothing about any pupil."""
    context = {
        "school": school.name,
        "actor": str(actor),
        "what": what,
        "staff_url": reverse("accounts:staff_list", args=[school.slug]),
        "visit_urls": [reverse("visits:detail", args=[v.code]) for v in visits or []],
    }
    recipients = notify.school_emails(school.pk, set(Role.safeguarding()))
    if visits:
        # Their visits go back to the office's list: the office chooses another visitor.
        recipients += notify.school_emails(school.pk, {Role.OFFICE})
    transaction.on_commit(lambda: notify.send("accounts_staff_changed", recipients, context), robust=True)


def _send_password_link(user: User) -> None:
    """The new member of staff sets their own password from a one-time link (Django's password
    reset token: it stops working once the password is set, or after PASSWORD_RESET_TIMEOUT)."""
    context = {
        "name": user.get_full_name() or user.username,
        "username": user.username,
        "set_password_url": reverse(
            "password_reset_confirm",
            args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)],
        ),
    }
    transaction.on_commit(lambda: notify.send("accounts_welcome", [user.email], context), robust=True)


def add_member(actor: User, school: School, details: dict, roles: Iterable[str]) -> User:
    """A new member of staff with `roles` at `school`. No password is typed by anyone: they are
    sent a link to set their own. Audited; the leads are told."""
    roles = sorted(set(roles))
    _check_may(actor, school)
    if not roles:
        raise StaffChangeRefused("Choose at least one role.")
    _check_roles(actor, school, roles)
    with transaction.atomic():
        _lock(school)
        user = User(**{name: details[name] for name in details})
        user.set_unusable_password()
        user.save()
        Membership.objects.bulk_create(Membership(user=user, school=school, role=r) for r in roles)
        audit.record(actor, AuditAction.CREATE, user, school=school, detail="staff added: " + ", ".join(roles))
        _send_password_link(user)
        _tell_leads(school, actor, f"added {user} ({', '.join(Role(r).label for r in roles)})")
    return user


@dataclass
class RoleChange:
    given: list[str]
    ended: list[str]
    visits_released: list[Visit]

    @property
    def changed(self) -> bool:
        return bool(self.given or self.ended)


def change_roles(actor: User, school: School, member: User, wanted: Iterable[str]) -> RoleChange:
    """Give and end roles of `member` at `school` so that they hold `wanted` (roles `actor` may not
    give or take are kept as they are). Ending the visiting role sends their upcoming visits back
    to the office's list, as leaving does."""
    _check_may(actor, school)
    wanted = set(wanted)
    _check_roles(actor, school, wanted)
    with transaction.atomic():
        _lock(school, member)
        current = active_roles(school, member)
        kept = {r for r in current if not may_grant(actor, school, r)}
        wanted |= kept
        given, ended = sorted(wanted - current), sorted(current - wanted)
        if not wanted:
            raise StaffChangeRefused("Keep at least one role, or use 'Left the school' instead.")
        if given and member.pk == actor.pk:
            raise StaffChangeRefused("You cannot give yourself a role: ask another head or the trust administrator.")
        if Role.HEAD in ended and member.pk == actor.pk and _heads(school) == {member.pk}:
            raise StaffChangeRefused(
                "You are the school's only head: give someone else the head role before removing your own."
            )
        released = _apply(actor, school, member, given, ended)
        if given or ended:
            words = [f"gave {member} the role {Role(r).label}" for r in given]
            words += [f"ended {member}'s role {Role(r).label}" for r in ended]
            _tell_leads(school, actor, "; ".join(words), released)
    who.forget_roles(member)
    return RoleChange(given, ended, released)


def _heads(school: School) -> set[int]:
    return set(
        Membership.objects.filter(school=school, role=Role.HEAD, is_active=True, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )


def _apply(actor: User, school: School, member: User, given: list[str], ended: list[str]) -> list[Visit]:
    for role in given:
        Membership.objects.update_or_create(user=member, school=school, role=role, defaults={"is_active": True})
        audit.record(actor, AuditAction.UPDATE, member, school=school, detail=f"role given: {role}")
    if ended:
        Membership.objects.filter(user=member, school=school, role__in=ended).update(is_active=False)
        for role in ended:
            audit.record(actor, AuditAction.UPDATE, member, school=school, detail=f"role ended: {role}")
    if given and not member.is_active:
        # Back at a school: their account opens again (it closed when they had no role left).
        member.is_active = True
        member.save(update_fields=["is_active"])
        audit.record(actor, AuditAction.UPDATE, member, school=school, detail="account opened again")
    released = release_visits(actor, school, member) if Role.VISITOR in ended else []
    _close_if_no_role_left(actor, school, member)
    return released


def _close_if_no_role_left(actor: User, school: School, member: User) -> None:
    """Someone with no active role at any school can no longer sign in (their sessions end too:
    Django refuses an inactive user on every request)."""
    if member.is_active and not Membership.objects.filter(user=member, is_active=True).exists():
        member.is_active = False
        member.save(update_fields=["is_active"])
        audit.record(actor, AuditAction.UPDATE, member, school=school, detail="account closed: no role left")


def on_the_road(school: School, member: User) -> Visit | None:
    """A visit of `school` that `member` set off on and the school still waits on (not back, not
    'not returning today', not gone on to another visit)."""
    return (
        Visit.objects.filter(school=school, status=Status.IN_PROGRESS)
        .filter(Q(lead_visitor=member) | Q(second_visitor=member))
        .filter(returned_at__isnull=True, not_returning_at__isnull=True, moved_on_at__isnull=True)
        .order_by("started_at")
        .first()
    )


def leave_school(actor: User, school: School, member: User) -> list[Visit]:
    """`member` left the school (item 8): every role of theirs there ends, and their upcoming
    visits there go back to the office's list with a warning. Refused while they are out on a
    visit: the school must be able to see them back (hc14, hc19). Returns the visits sent back."""
    _check_may(actor, school)
    if member.pk == actor.pk:
        raise StaffChangeRefused("You cannot mark yourself as left: ask another head or the trust administrator.")
    with transaction.atomic():
        _lock(school, member)
        current = active_roles(school, member)
        if not current:
            raise StaffChangeRefused(f"{member} has no role at this school any more.")
        _check_roles(actor, school, current)
        out = on_the_road(school, member)
        if out is not None:
            raise StaffChangeRefused(f"{member} is out on a visit now: mark them as left once they are back at school.")
        Membership.objects.filter(user=member, school=school, is_active=True).update(is_active=False)
        audit.record(actor, AuditAction.UPDATE, member, school=school, detail="left the school: every role ended")
        released = release_visits(actor, school, member)
        _close_if_no_role_left(actor, school, member)
        waiting = f"; {len(released)} upcoming visit(s) need another visitor" if released else ""
        _tell_leads(school, actor, f"recorded that {member} left the school{waiting}", released)
    who.forget_roles(member)
    return released


def remove_second_factor(actor: User, school: School, member: User) -> None:
    """A lost or replaced phone: `member`'s authenticator, passkeys and recovery codes are removed,
    their signed-in sessions end, and they set a new one up at their next sign-in. Someone who
    also works at a school `actor` does not manage is left to those who manage it all (the trust
    administrator): a head's power stops at their own school."""
    _check_may(actor, school)
    if member.pk == actor.pk:
        raise StaffChangeRefused("Your own second factor is changed from 'Second factor' in your menu.")
    elsewhere = Membership.objects.filter(user=member, is_active=True).exclude(school=school).select_related("school")
    if any(not may_manage_staff(actor, m.school) for m in elsewhere):
        raise StaffChangeRefused(f"{member} also works at another school: ask the trust administrator.")
    with transaction.atomic():
        _lock(school, member)
        second_factor.remove_all(member, by=actor, school=school)
        _tell_leads(
            school, actor, f"removed the second factor of {member}: they set up a new one at their next sign-in"
        )


def release_visits(actor: User, school: School, member: User) -> list[Visit]:
    """`member` no longer visits for `school`: each visit of theirs there not yet set off gets a
    timeline warning, and an authorised one goes back to the leads' queue (its authorisation
    covered them, hc01), so that nobody sets off on it until the office has chosen another
    visitor and a lead has authorised it again. Through the lifecycle, under each visit's lock;
    inside the caller's transaction."""
    released = []
    mine = Visit.objects.filter(school=school, status__in=Status.editable()).filter(
        Q(lead_visitor=member) | Q(second_visitor=member)
    )
    for visit in mine.order_by("scheduled_start", "pk"):
        locked = lifecycle.lock_for_change(visit)
        if locked.status not in Status.editable() or member.pk not in locked.visitor_ids:
            continue  # changed meanwhile
        lifecycle.log_event(
            locked,
            actor,
            EventKind.STAFF_LEFT,
            note=f"{member} is no longer visiting staff at the school: choose another visitor.",
        )
        lifecycle.authorisation_changed(locked, actor, "a visitor is no longer at the school")
        released.append(locked)
    return released


# --- the checks visits asks (registered in AccountsConfig.ready) ---------------------------------


def visitors_gone_problems(visit: Visit) -> list[str]:
    """Why a visit cannot be authorised or set off while one of its visitors is no longer visiting
    staff at its school, in words for the lead or visitor (empty when all are)."""
    if visit.status not in Status.editable():
        return []
    return [
        f"{person} is no longer visiting staff at the school: the office must choose another visitor."
        for person in who.gone_visitors(visit)
    ]


def authorisation_check(visit: Visit, decision) -> list[str]:
    return visitors_gone_problems(visit)


def _visitor_gone_context(context, visit: Visit, can) -> dict:
    """The warning on the visit's page while a visitor of a visit not yet set off has left."""
    gone = who.gone_visitors(visit) if visit.status in Status.editable() else []
    return {"visit": visit, "gone": gone, "can_edit": getattr(can, "can_edit", False)}


VISITOR_GONE_PANEL = Panel("visitor_gone", "accounts/_visitor_gone_panel.html", _visitor_gone_context)


# --- schools and their settings ------------------------------------------------------------------


def grant_trust_admin_from_server(member: User, trust: Trust) -> list[School]:
    """The first trust administrator of a new installation, given on the server's command line
    (`manage.py grant_trust_admin`): the Django admin grants no role, and in the app only a trust
    administrator gives this one. Held at every school of the trust; audited, with no user (the
    server's operator), once per school. Returns the schools where the role is new."""
    granted = []
    with transaction.atomic():
        for school in trust.schools.select_for_update().order_by("pk"):
            membership, created = Membership.objects.get_or_create(
                user=member, school=school, role=Role.TRUST_ADMIN, defaults={"is_active": True}
            )
            if created or not membership.is_active:
                Membership.objects.filter(pk=membership.pk).update(is_active=True)
                audit.record(
                    None,
                    AuditAction.UPDATE,
                    member,
                    school=school,
                    detail="trust administrator role given on the server",
                )
                granted.append(school)
        if granted and not member.is_active:
            member.is_active = True
            member.save(update_fields=["is_active"])
    who.forget_roles(member)
    return granted


def unique_slug(name: str) -> str:
    base = slugify(name)[:40] or "school"
    slug, n = base, 1
    while School.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_school(actor: User, trust: Trust, details: dict) -> School:
    """A new school of `trust`, with the default policy settings; every trust administrator of the
    trust holds the role there too, so that it is on their trust page."""
    if not may_create_school(actor, trust):
        raise StaffChangeRefused("You may not add a school to this trust.")
    with transaction.atomic():
        Trust.objects.select_for_update().filter(pk=trust.pk).values_list("pk").first()
        school = School.objects.create(trust=trust, slug=unique_slug(details["name"]), **details)
        admins = set(
            Membership.objects.filter(school__trust=trust, role=Role.TRUST_ADMIN, is_active=True).values_list(
                "user_id", flat=True
            )
        )
        Membership.objects.bulk_create(
            Membership(user_id=pk, school=school, role=Role.TRUST_ADMIN) for pk in sorted(admins | {actor.pk})
        )
        audit.record(actor, AuditAction.CREATE, school, school=school, detail="school added")
    who.forget_roles(actor)
    actor.__dict__.pop("_accounts_trust_ids", None)
    return school


def _shown(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if hasattr(value, "strftime"):
        return value.strftime("%H:%M")
    return str(value)


def update_settings(actor: User, school: School, values: dict) -> list[tuple[str, str, str]]:
    """Change the school's policy settings. Each change is audited with its value before and after,
    and the leads are told. Returns (label, before, after) of each change."""
    if not may_change_settings(actor, school):
        raise StaffChangeRefused("You may not change this school's settings.")
    changes = []
    with transaction.atomic():
        locked = School.objects.select_for_update().get(pk=school.pk)
        for name in SETTING_FIELDS:
            before, after = getattr(locked, name), values[name]
            if before != after:
                setattr(locked, name, after)
                label = SETTINGS[name]
                changes.append((name, label, _shown(before), _shown(after)))
        if changes:
            locked.save(update_fields=[c[0] for c in changes])
            for name, _label, before, after in changes:
                audit.record(
                    actor, AuditAction.UPDATE, locked, school=locked, detail=f"setting {name}: {before} -> {after}"
                )
            what = "changed the school's settings: " + "; ".join(f"{lb} from {b} to {a}" for _, lb, b, a in changes)
            _tell_leads(locked, actor, what)
    for name in SETTING_FIELDS:
        setattr(school, name, getattr(locked, name))
    return [(label, before, after) for _, label, before, after in changes]


def update_profile(user: User, values: dict) -> list[str]:
    """A person's own mobile number, description (hc18, hc19) and job title. Audited by field name only: the
    values are personal and stay out of the trail."""
    changed = [name for name in PROFILE_FIELDS if getattr(user, name) != values[name]]
    if changed:
        for name in changed:
            setattr(user, name, values[name])
        user.save(update_fields=changed)
        # Once per school of theirs, so that each school's audit trail shows it.
        for school_id in who.roles_of(user).school_ids or [None]:
            audit.record(
                user, AuditAction.UPDATE, user, school=school_id, detail="own profile changed: " + ", ".join(changed)
            )
    return changed
