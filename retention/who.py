"""Who, for retention (issue 17): the review queue, its decisions (keep, legal hold, erase) and the
school's retention periods are the safeguarding leads' and deputies' of the school, and nobody
else's: not the head, the office, visiting staff, governors or the trust administrator, and never
another school's. Registered with visits (`RetentionConfig.ready`)."""

from __future__ import annotations

from visits import who
from visits.enums import Role
from visits.models import User

PAGE_ROLES: dict[str, frozenset[str]] = {"retention": Role.safeguarding()}


def review_schools(user: User) -> list[int]:
    """The schools whose review queue and periods `user` opens (empty: the pages answer 404)."""
    return who.page_schools(user, "retention")


def may_review(user: User, school_id: int) -> bool:
    """Keep, hold, lift a hold or erase a record of this school, and set its periods."""
    return who.may_open_page(user, "retention", school_id)
