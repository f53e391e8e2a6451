"""hc01 under random use: a hypothesis state machine drives a few visits of two schools with any
lifecycle call (the seven moves, the road steps, the record, material and other edits) by any
member of the cast, and after every step checks that no visit was ever started without a standing
authorisation by a safeguarding lead of its school.

Database isolation: hypothesis runs many examples inside one pytest test, and pytest-django's
`django_db` wraps the whole test in one transaction, not each example. So each example (one
machine) opens its own savepoint in `__init__` and rolls it back in `teardown()`: every example
starts from an empty database and builds its own cast.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from tests.factories import CAST_ROLES, make_cast
from visits import lifecycle, who
from visits.enums import EventKind, Role, Status
from visits.exceptions import LifecycleError
from visits.models import AuditEntry, Membership, School, User, Visit, VisitEvent

S = Status
ROLES = CAST_ROLES
# People who can do something to a visit of the school, so that random runs get somewhere.
INVOLVED = ("office", "lead", "deputy", "visitor", "second")
ACTIONS = (*lifecycle.MOVES, *lifecycle.STEPS, "write_record", "edit")
EDITS = ("later", "address", "second_visitor", "reason_detail", "code_word", "comments", "slt_consulted")
CODE_WORDS = ("bluebell", "Nightjar", "kestrel-9")
# The state diagram, written out here (not read from lifecycle.ALLOWED_MOVES).
DIAGRAM = {
    S.DRAFT: {S.REQUESTED, S.CANCELLED},
    S.REQUESTED: {S.AUTHORISED, S.DECLINED, S.SENT_BACK, S.CANCELLED},
    S.SENT_BACK: {S.REQUESTED, S.CANCELLED},
    S.AUTHORISED: {S.IN_PROGRESS, S.REQUESTED, S.DECLINED, S.CANCELLED},
    S.IN_PROGRESS: {S.COMPLETED},
    S.DECLINED: set(),
    S.CANCELLED: set(),
    S.COMPLETED: set(),
}
RECORD = {"people_seen": "Mother", "child_seen": True, "outcome": "Plan agreed."}
DECISIONS = ("authorise", "decline", "send_back")
ROAD = ("start", "arrived", "left", "back", "write_record", "complete")
PAPERWORK = ("submit", "edit", "cancel")

VISIT = st.integers(0, 2)
OPTIONS = {
    "note": st.sampled_from(["", "Because the lead said so."]),
    "approve_lone_working": st.booleans(),
    "confirm_evening": st.booleans(),
    "edit": st.sampled_from(EDITS),
    "choice": st.integers(0, 2),
}


def _evening_start() -> dt.datetime:
    """17:30 school time, after the default 17:00 cut-off (hc13)."""
    day = timezone.localdate() + dt.timedelta(days=2)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(17, 30)))


class VisitLifecycleMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.cast = make_cast()
        self.pks: list[int] = []
        self.steps_taken: list[str] = []

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    @initialize(
        lead_may_authorise_own=st.booleans(),
        pairs_required=st.booleans(),
        slt_discussion_required=st.booleans(),
        states=st.lists(st.sampled_from([S.DRAFT, S.REQUESTED, S.AUTHORISED]), min_size=3, max_size=3),
    )
    def make_visits(self, lead_may_authorise_own, pairs_required, slt_discussion_required, states):
        School.objects.filter(pk=self.cast.school.pk).update(
            lead_may_authorise_own=lead_may_authorise_own, pairs_required=pairs_required
        )
        cast = self.cast
        # A paired visit requested by the office; a lone one requested by the lead (four-eyes);
        # an evening one requested by the visitor who goes on it.
        lone = cast.make_visit(
            S.DRAFT if states[1] == S.DRAFT else S.REQUESTED, requester=cast.lead, second_visitor=None
        )
        if states[1] == S.AUTHORISED:  # four-eyes: the deputy, not the lead who asked for it
            lifecycle.transition(lone, cast.deputy, "authorise", approve_lone_working=True)
        visits = [
            cast.make_visit(states[0]),
            lone,
            cast.make_visit(states[2], requester=cast.visitor, start=_evening_start()),
        ]
        # mp01 is switched on after the visits reached their states, so it binds the next decisions.
        School.objects.filter(pk=cast.school.pk).update(slt_discussion_required=slt_discussion_required)
        self.pks = [v.pk for v in visits]

    # --- the calls ------------------------------------------------------------------------------

    def _user(self, role: str) -> User:
        """As a new request would load the user: no roles or object permissions cached."""
        user = self.cast.users()[role]
        who.forget_roles(user)
        who.forget_object_perms(user)
        return user

    def _call(self, index: int, role: str, action: str, **options) -> None:
        visit = Visit.objects.get(pk=self.pks[index])
        user = self._user(role)
        before = (visit.status, visit.events.count(), AuditEntry.objects.count())
        try:
            if action in lifecycle.MOVES:
                lifecycle.transition(
                    visit,
                    user,
                    action,
                    note=options["note"],
                    approve_lone_working=options["approve_lone_working"],
                    confirm_evening=options["confirm_evening"],
                )
            elif action in lifecycle.STEPS:
                lifecycle.record_step(visit, user, action)
            elif action == "write_record":
                lifecycle.write_record(visit, user, RECORD)
            else:
                lifecycle.update_request(visit, user, self._edit(visit, options["edit"], options["choice"]))
        except (LifecycleError, ValidationError) as exc:
            after = Visit.objects.get(pk=visit.pk)
            assert (after.status, after.events.count(), AuditEntry.objects.count()) == before, (
                f"{role} {action} was refused ({exc}) but wrote something"
            )
            self.steps_taken.append(f"{role} {action} refused: {type(exc).__name__}")
            return
        status = Visit.objects.get(pk=visit.pk).status
        assert status == before[0] or status in DIAGRAM[before[0]], f"{role} {action}: {before[0]} -> {status}"
        self.steps_taken.append(f"{role} {action}: {before[0]} -> {status}")

    def _edit(self, visit: Visit, edit: str, choice: int) -> dict:
        cast = self.cast
        if edit == "later":
            shift = dt.timedelta(hours=choice + 1)
            return {"scheduled_start": visit.scheduled_start + shift, "expected_end": visit.expected_end + shift}
        if edit == "address":
            return {"address_line1": f"{choice + 2} Other Road"}
        if edit == "second_visitor":
            return {"second_visitor": (cast.second, cast.bystander, None)[choice]}
        if edit == "reason_detail":
            return {"reason_detail": f"Detail version {choice}."}
        if edit == "code_word":
            return {"code_word": CODE_WORDS[choice], "postcode": ("M14 5AB", "M15 6BH", "M13 9PL")[choice]}
        if edit == "slt_consulted":  # mp01: naming the SLT member is no material change
            return {"slt_consulted": (cast.head, cast.lead, cast.other_head)[choice]}
        return {"comments": f"Comment {choice}."}

    # Five rules draw the same kind of call; four of them pick the people most likely to be
    # allowed, so that random runs reach set off (often just after an edit, a decline or a cancel), the road
    # steps and completion, not only refusals.

    @rule(index=VISIT, role=st.sampled_from(ROLES), action=st.sampled_from(ACTIONS), **OPTIONS)
    def anyone_does_anything(self, index, role, action, **options):
        self._call(index, role, action, **options)

    @rule(index=VISIT, role=st.sampled_from(["visitor", "second"]), **OPTIONS)
    def a_visitor_sets_off(self, index, role, **options):
        self._call(index, role, "start", **options)

    @rule(index=VISIT, role=st.sampled_from(["lead", "deputy"]), action=st.sampled_from(DECISIONS), **OPTIONS)
    def a_lead_decides(self, index, role, action, **options):
        self._call(index, role, action, **options)

    @rule(index=VISIT, role=st.sampled_from(["visitor", "second", "office"]), action=st.sampled_from(ROAD), **OPTIONS)
    def a_visitor_or_the_office_on_the_road(self, index, role, action, **options):
        self._call(index, role, action, **options)

    @rule(
        index=VISIT, role=st.sampled_from(["office", "lead", "visitor"]), action=st.sampled_from(PAPERWORK), **OPTIONS
    )
    def a_requester_submits_edits_or_cancels(self, index, role, action, **options):
        self._call(index, role, action, **options)

    # --- what must always hold ------------------------------------------------------------------

    @invariant()
    def hc01_started_visits_are_authorised_by_a_lead(self):
        for visit in Visit.objects.filter(pk__in=self.pks):
            if visit.status not in S.started():
                continue
            assert visit.authorised_at is not None, f"{visit.status} without authorised_at: {self.steps_taken}"
            assert Membership.objects.filter(
                user_id=visit.authorised_by_id, school_id=visit.school_id, role__in=Role.safeguarding(), is_active=True
            ).exists(), f"{visit.status}, authorised by user {visit.authorised_by_id}: {self.steps_taken}"

    @invariant()
    def hc01_every_set_off_follows_a_standing_authorisation(self):
        for pk in self.pks:
            standing = False
            for kind in VisitEvent.objects.filter(visit_id=pk).order_by("id").values_list("kind", flat=True):
                if kind == EventKind.AUTHORISED:
                    standing = True
                elif kind in {EventKind.RETURNED_TO_QUEUE, EventKind.DECLINED, EventKind.CANCELLED}:
                    standing = False
                elif kind == EventKind.SET_OFF:
                    assert standing, f"set off without a standing authorisation: {self.steps_taken}"

    @invariant()
    def hc11_code_words_stay_out_of_timeline_and_audit(self):
        notes = " ".join(VisitEvent.objects.filter(visit_id__in=self.pks).values_list("note", flat=True)).lower()
        details = " ".join(AuditEntry.objects.values_list("detail", flat=True)).lower()
        for word in CODE_WORDS:
            assert word.lower() not in notes
            assert word.lower() not in details


@pytest.mark.django_db
def test_hc01_stateful_no_visit_starts_without_standing_authorisation():
    run_state_machine_as_test(
        VisitLifecycleMachine, settings=settings(max_examples=30, stateful_step_count=20, deadline=None)
    )
