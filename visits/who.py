"""Who: a user's roles at each school, the object permissions tying people to one visit, and
every predicate of *who* may do what (never *when*: the state a visit must be in is the table of
moves, `visits.moves`).

*Who* comes from two sources:
- school roles (`Membership`): office, safeguarding leads and the head see every visit of their
  school (hc25);
- django-guardian object permissions, granted by `visits.lifecycle` only, for the people tied to
  one visit: its requester (`view_visit`, `change_visit`) and its visitors (`view_visit`,
  `conduct_visit`).
Everybody needs an active membership of the visit's school as well, so that nothing of one
school is ever visible from another, even through a stale object permission.

Layers: `enums` and `models` below; `moves`, `access` and `lifecycle` above. This module imports
nothing of the project but those two.
"""

from __future__ import annotations

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from guardian.shortcuts import get_user_perms

from .enums import Role
from .models import Membership, School, User, Visit


class Roles:
    """A user's active roles, by school, loaded once per request."""

    def __init__(self, user: User) -> None:
        self.by_school: dict[int, set[str]] = {}
        if user.is_authenticated and user.is_active:
            rows = Membership.objects.filter(user=user, is_active=True).values_list("school_id", "role")
            for school_id, role in rows:
                self.by_school.setdefault(school_id, set()).add(role)

    def at(self, school_id: int) -> set[str]:
        return self.by_school.get(school_id, set())

    def has(self, school_id: int, roles: frozenset[str] | set[str]) -> bool:
        return bool(self.at(school_id) & set(roles))

    def schools_with(self, roles: frozenset[str] | set[str]) -> list[int]:
        return [school_id for school_id, held in self.by_school.items() if held & set(roles)]

    def all(self) -> set[str]:
        return set().union(*self.by_school.values()) if self.by_school else set()

    @property
    def school_ids(self) -> list[int]:
        return list(self.by_school)


def roles_of(user: User) -> Roles:
    """The user's roles, cached on the user object for the rest of the request."""
    cached = getattr(user, "_homevisits_roles", None)
    if cached is None:
        cached = Roles(user)
        if user.is_authenticated:
            user._homevisits_roles = cached
    return cached


def forget_roles(user: User) -> None:
    if hasattr(user, "_homevisits_roles"):
        del user._homevisits_roles


def object_perms(user: User, visit: Visit) -> frozenset[str]:
    """The guardian permissions granted to `user` on this one visit, cached for the request.

    Read through `get_user_perms`, not `user.has_perm`, on purpose: a superuser (the IT person)
    gets no implicit view of pupils' visits; need to know applies to everyone (hc25).
    """
    cache = getattr(user, "_homevisits_visit_perms", None)
    if cache is None:
        cache = {}
        if user.is_authenticated:
            user._homevisits_visit_perms = cache
    if visit.pk not in cache:
        cache[visit.pk] = frozenset(get_user_perms(user, visit)) if user.is_authenticated else frozenset()
    return cache[visit.pk]


def forget_object_perms(user: User) -> None:
    if hasattr(user, "_homevisits_visit_perms"):
        del user._homevisits_visit_perms


def schools_for(user: User, roles: frozenset[str] | set[str]) -> QuerySet[School]:
    return School.objects.filter(pk__in=roles_of(user).schools_with(roles))


def can_view(user: User, visit: Visit) -> bool:
    """See the visit at all (hc25): the whole school's roles, or the people tied to it."""
    roles = roles_of(user)
    if not roles.at(visit.school_id):
        return False
    if roles.has(visit.school_id, Role.whole_school()):
        return True
    return "view_visit" in object_perms(user, visit)


# --- who: the people and roles tied to a visit -------------------------------------------------


def _still_visiting(user_field: str) -> Exists:
    return Exists(
        Membership.objects.filter(
            user_id=OuterRef(user_field), school_id=OuterRef("school_id"), role=Role.VISITOR, is_active=True
        )
    )


def with_visitor_gone(visits: QuerySet[Visit]) -> QuerySet[Visit]:
    """`visits` with `visitor_gone`: one of its visitors is no longer visiting staff at its school
    (they left it, or their role ended, issue 14), so the office must choose another before it can
    go ahead. In the same query, for lists such as the day board."""
    gone = ~_still_visiting("lead_visitor_id") | (
        Q(second_visitor_id__isnull=False) & ~_still_visiting("second_visitor_id")
    )
    return visits.annotate(visitor_gone=ExpressionWrapper(gone, output_field=BooleanField()))


def gone_visitors(visit: Visit) -> list[User]:
    """The visit's visitors who are no longer visiting staff at its school (issue 14)."""
    staying = set(
        Membership.objects.filter(
            school_id=visit.school_id, user_id__in=visit.visitor_ids, role=Role.VISITOR, is_active=True
        ).values_list("user_id", flat=True)
    )
    return [u for u in (visit.lead_visitor, visit.second_visitor) if u is not None and u.pk not in staying]


def is_lead(user: User, visit: Visit) -> bool:
    return roles_of(user).has(visit.school_id, Role.safeguarding())


def is_office(user: User, visit: Visit) -> bool:
    return roles_of(user).has(visit.school_id, {Role.OFFICE})


def is_visitor(user: User, visit: Visit) -> bool:
    """On this visit, holding `conduct_visit` and still visiting staff at its school."""
    return roles_of(user).has(visit.school_id, {Role.VISITOR}) and "conduct_visit" in object_perms(user, visit)


def is_requester(user: User, visit: Visit) -> bool:
    return bool(roles_of(user).at(visit.school_id)) and "change_visit" in object_perms(user, visit)


def may_decide(user: User, visit: Visit) -> bool:
    """A safeguarding lead of the school, and (four-eyes) not the requester or a visitor unless
    the school allows it."""
    if not is_lead(user, visit):
        return False
    if visit.school.lead_may_authorise_own:
        return True
    return user.pk != visit.requested_by_id and user.pk not in visit.visitor_ids


def may_edit_request(user: User, visit: Visit) -> bool:
    return is_requester(user, visit) or is_office(user, visit) or is_lead(user, visit)


def may_cancel(user: User, visit: Visit) -> bool:
    return is_requester(user, visit) or is_office(user, visit) or is_lead(user, visit)


def may_conduct(user: User, visit: Visit) -> bool:
    """Set off, check in and out on the tablet: the visitors on the visit."""
    return is_visitor(user, visit)


def may_log_call(user: User, visit: Visit) -> bool:
    """Log a phone call from the visitors, or a step they took (hc14): the office, or the
    visitors themselves."""
    return is_office(user, visit) or is_visitor(user, visit)


def may_handle_alarms(user: User, visit: Visit) -> bool:
    """Raise the code-word alarm and log the escalation steps (hc18, hc19): the office and the
    safeguarding leads of the visit's school, who are the school end of a visit's safety."""
    return is_office(user, visit) or is_lead(user, visit)


def may_see_code_word(user: User, visit: Visit) -> bool:
    """hc11: the visitors, the office and the leads of the school; not the head, not the requester
    as such."""
    return is_visitor(user, visit) or is_office(user, visit) or is_lead(user, visit)


# --- school-wide pages: which roles open which page, at which schools -----------------------------

# page -> the roles that open it. Views ask `page_schools`; none of them names a role itself.
PAGE_ROLES: dict[str, frozenset[str]] = {
    "office_day": frozenset({Role.OFFICE}),
    "my_visits": frozenset({Role.VISITOR}),
    "overview": frozenset({Role.HEAD}),
    "trust": frozenset({Role.TRUST_ADMIN}),
    "school_feed": frozenset({Role.OFFICE}) | Role.safeguarding(),
    "visitor_feed": frozenset({Role.VISITOR}),
    "board": frozenset({Role.OFFICE}) | Role.safeguarding(),
    "audit": Role.safeguarding() | {Role.HEAD},
}


def register_page(page: str, roles: frozenset[str]) -> None:
    """An app built on visits names the roles that open one of its school-wide pages (safeguarding:
    the risk template, concerns, incidents, CPOMS). A page is registered once."""
    if PAGE_ROLES.get(page, roles) != roles:
        raise ValueError(f"page {page!r} is already registered with other roles")
    PAGE_ROLES[page] = frozenset(roles)


# Where a person lands after signing in: the first page of this list they may open (an app built on
# visits puts its own first: safeguarding, the lead's queue).
HOME_PAGES = [
    ("office_day", "visits:today"),
    ("my_visits", "visits:mine"),
    ("overview", "visits:overview"),
    ("trust", "visits:trust"),
]


def register_home_page(page: str, url_name: str) -> None:
    """An app's page a person with its roles lands on, before visits' own (once per page)."""
    if not any(p == page for p, _ in HOME_PAGES):
        HOME_PAGES.insert(0, (page, url_name))


def page_schools(user: User, page: str) -> list[int]:
    """The schools at which `user` may open `page` (empty: the page answers 404)."""
    return roles_of(user).schools_with(PAGE_ROLES[page])


def may_open_page(user: User, page: str, school_id: int) -> bool:
    return roles_of(user).has(school_id, PAGE_ROLES[page])


def home_url_name(user: User) -> str | None:
    """The page a person starts from, by their roles; None for someone with no role yet."""
    return next((url for page, url in HOME_PAGES if page_schools(user, page)), None)


def may_see_board(user: User) -> bool:
    """The day board (hc12): office staff, and leads may look at it, at any of their schools."""
    return bool(board_school_ids(user))


def board_school_ids(user: User) -> list[int]:
    return page_schools(user, "board")


def may_read_audit(user: User, school_id: int) -> bool:
    return may_open_page(user, "audit", school_id)


# Who may be the requester of a visit at a school (the lifecycle's rule). Visiting staff are, for
# a family they already visit (a follow-up, mp02); the booking pages are `BOOKING_ROLES`' (below).
REQUESTER_ROLES = frozenset({Role.OFFICE, Role.VISITOR, Role.LEAD, Role.DEPUTY_LEAD, Role.HEAD})


def may_request_at(user: User, school_id: int) -> bool:
    """Be the requester of a visit at this school: any role in `REQUESTER_ROLES` there."""
    return roles_of(user).has(school_id, REQUESTER_ROLES)


def may_print_letter(user: User, visit: Visit) -> bool:
    """The appointment letter to the family (hc08): the office, the leads, the requester and
    the visitors."""
    return is_office(user, visit) or is_lead(user, visit) or is_requester(user, visit) or is_visitor(user, visit)


# --- households, contacts and pupils -------------------------------------------------------------

HOUSEHOLD_MANAGERS = frozenset({Role.OFFICE}) | Role.safeguarding()
HOUSEHOLD_VIEWERS = HOUSEHOLD_MANAGERS | {Role.HEAD}


def may_view_households(user: User, school_id: int) -> bool:
    """Households, contacts and pupils of a school: its office, leads and head (read only).
    Visiting staff see a family through the visits they are on, not by browsing (hc25)."""
    return roles_of(user).has(school_id, HOUSEHOLD_VIEWERS)


def may_manage_households(user: User, school_id: int) -> bool:
    """Create and change households, contacts and pupils, and import from the MIS: the office
    and the safeguarding leads of the school."""
    return roles_of(user).has(school_id, HOUSEHOLD_MANAGERS)


def household_school_ids(user: User, manage: bool = False) -> list[int]:
    return roles_of(user).schools_with(HOUSEHOLD_MANAGERS if manage else HOUSEHOLD_VIEWERS)


# --- booking: the pages that start a visit from the school's families -----------------------------

# "Book a visit" and "New-starter visits" list the school's households with their addresses, search
# them by pupil name, and show a family's pupils and contacts: they are for the requesters who see
# the school's households (hc25), not visiting staff, who see a family through their own visits.
BOOKING_ROLES = REQUESTER_ROLES & HOUSEHOLD_VIEWERS


def may_book(user: User, school_id: int) -> bool:
    """Open the booking and new-starter pages for this school: the office, the leads, the head.
    Each school's roles answer for its own households (office at one school and visiting staff
    at another books at the first only)."""
    return roles_of(user).has(school_id, BOOKING_ROLES)


def booking_school_ids(user: User) -> list[int]:
    """The schools whose booking pages `user` opens (empty: the pages answer 404)."""
    return roles_of(user).schools_with(BOOKING_ROLES)


# --- documents (issue 6): who may download each PDF (when it exists: `visits.access`) ------------


def may_download_form(user: User, visit: Visit) -> bool:
    """The Home Visit Form, school copy (hc23): everyone who sees the visit, as its page shows
    every field of the form to them."""
    return can_view(user, visit)


def may_download_home_copy(user: User, visit: Visit) -> bool:
    """The copy left at the home (hc23): the visitors who take it, the office and the leads."""
    return is_visitor(user, visit) or is_office(user, visit) or is_lead(user, visit)


def may_download_record(user: User, visit: Visit) -> bool:
    """The Record of Home Visit (hc20, hc24): the visitors who wrote it, the leads who put it on
    CPOMS, and the head (SLT). Not the office: what was seen in the home is need to know."""
    return is_visitor(user, visit) or is_lead(user, visit) or roles_of(user).has(visit.school_id, {Role.HEAD})


def may_download_letter(user: User, visit: Visit) -> bool:
    """The appointment letter (hc08): whoever may print it as a page."""
    return may_print_letter(user, visit)


def may_see_signature(user: User, visit: Visit) -> bool:
    """The parent's signature image: whoever may download the form it is printed on."""
    return may_download_form(user, visit)


# --- the queue (hc01: four-eyes) ------------------------------------------------------------------


def decide_refusal(user: User, visit: Visit) -> str:
    """Why a lead of the school may not decide this request (four-eyes), in words for them;
    "" when they may, or when they are not a lead at all."""
    if not is_lead(user, visit) or may_decide(user, visit):
        return ""
    if user.pk in visit.visitor_ids:
        return "You are going on this visit, so another safeguarding lead or deputy must decide it."
    return "You requested this visit, so another safeguarding lead or deputy must decide it."
