"""Who, for subject access and pupils' files (issue 17, parts 5 and 6): the school's designated
safeguarding lead and deputies, and nobody else.

Not the head: a subject access bundle and a leaver's file carry the concerns and incidents of a
child, which the head does not see in this product (the concerns inbox is the leads'), and the
redaction it needs (what of a child-protection record may be disclosed without serious harm, who
else a record names) is the DSL's judgement under Keeping Children Safe in Education and the
school's data-protection policy; the file's transfer to the next school is the DSL's duty there.
A head who must oversee a request asks the lead, or reads the audit trail, which lists every step.
Not the office, visiting staff, governors or the trust administrator; and nothing of one school
from another: each page answers 404 to anyone else (hc25).
"""

from __future__ import annotations

from visits import who
from visits.enums import Role
from visits.models import User

PAGE_ROLES: dict[str, frozenset[str]] = {
    "subject_access": Role.safeguarding(),
    "leavers": Role.safeguarding(),
}


def subject_access_schools(user: User) -> list[int]:
    return who.page_schools(user, "subject_access")


def leaver_schools(user: User) -> list[int]:
    return who.page_schools(user, "leavers")


def may_handle_subject_access(user: User, school_id: int) -> bool:
    """Record a request, see everything held about the person, mark redactions, build and send the
    bundle: the school's safeguarding leads."""
    return who.may_open_page(user, "subject_access", school_id)


def may_handle_leavers(user: User, school_id: int) -> bool:
    """Record a pupil leaving and send their file to the next school: the school's leads."""
    return who.may_open_page(user, "leavers", school_id)


def schools_for_page(user: User, page: str) -> list[int]:
    return who.page_schools(user, page)
