"""The clock sweep: one visit's whole journey at each awkward instant of `tests.clock`.

Book, review the risk (hc09), authorise (hc01), set off, arrive (hc14), who is present (hc15),
the record with an incident (hc22) and a concern (hc21), the parent's signature (hc23), leave
and back (hc14), all five PDFs; then a second visit that goes overdue (hc19) and on which the
code word is used (hc18). The clock moves on between steps, so the journeys begun at ten to
midnight and at the clock changes cross them. Whatever hour CI runs at, a clock bug fails here.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from safeguarding.models import Concern, Incident
from tests import clock
from tests.factories import drawn_png, review_risk, visit_fields
from visits import lifecycle, pdf, signature
from visits.enums import AdultAuthority, EventKind, IncidentKind, Reason, Status
from visits.models import Visit, VisitEvent

pytestmark = pytest.mark.django_db

SWEEP = [
    pytest.param(instant, marks=pytest.mark.clock(instant), id=name) for name, instant in clock.AWKWARD_INSTANTS.items()
]


def _book(cast, *, minutes_ahead: int, code_word: str = "bluebell") -> Visit:
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=minutes_ahead)
    visit = lifecycle.create_request(
        cast.office,
        cast.school,
        cast.household,
        visit_fields(cast.visitor, cast.second, start=start, code_word=code_word),
        pupils=[cast.pupil],
        reasons=[Reason.ATTENDANCE],
    )
    review_risk(visit, cast.office)
    lifecycle.transition(visit, cast.office, "submit")
    lifecycle.transition(visit, cast.lead, "authorise", approve_lone_working=True, confirm_evening=True)
    return visit


def _hhmm(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize("instant", SWEEP)
def test_hc01_hc14_hc23_a_whole_visit_at_any_hour(instant, cast, pinned_clock, django_capture_on_commit_callbacks):
    # Arrange: the cast was built at the instant itself.
    assert abs(timezone.now() - instant) < dt.timedelta(minutes=1)
    mail.outbox.clear()

    # Act: the journey, the clock moving on as it would.
    with django_capture_on_commit_callbacks(execute=True):
        visit = _book(cast, minutes_ahead=30)
        pinned_clock.shift(dt.timedelta(minutes=25))
        lifecycle.transition(visit, cast.visitor, "start")
        pinned_clock.shift(dt.timedelta(minutes=10))
        lifecycle.record_step(visit, cast.visitor, "arrived")
        arrived = timezone.now()
        lifecycle.save_draft(
            visit,
            cast.visitor,
            {"adult_spoken_to": "Pat Parent", "adult_authority": AdultAuthority.PARENTAL_RESPONSIBILITY},
        )
        pinned_clock.shift(dt.timedelta(minutes=35))
        lifecycle.submit_record(
            visit,
            cast.visitor,
            {
                "adult_spoken_to": "Pat Parent",
                "adult_relationship": "Mother",
                "adult_authority": AdultAuthority.PARENTAL_RESPONSIBILITY,
                "people_seen": "Mother and Sam",
                "child_seen": True,
                "outcome": "Plan agreed for attendance.",
                "child_protection_concern": True,
                "concern_details": "Sam said there is no food at home.",
                "incident_kind": IncidentKind.THREAT,
                "incident_at": arrived + dt.timedelta(minutes=5),
                "incident_details": "An uncle shouted at us on the doorstep.",
                "agreed_with_family": "Sam comes to breakfast club from Monday.",
            },
        )
        lifecycle.record_signature(
            visit, cast.visitor, signer_name="Pat Parent", image=signature.clean_png(drawn_png())
        )
        pinned_clock.shift(dt.timedelta(minutes=5))
        lifecycle.record_step(visit, cast.visitor, "left")
        pinned_clock.shift(dt.timedelta(minutes=20))
        lifecycle.record_step(visit, cast.visitor, "back")
    documents = {kind: pdf.render_document(kind, visit) for kind in pdf.DOCUMENTS}

    # Assert: the visit completed, its steps in order, its concern and incident raised.
    visit.refresh_from_db()
    assert visit.status == Status.COMPLETED
    assert visit.started_at < visit.arrived_at < visit.left_at < visit.returned_at
    assert Concern.objects.filter(visit=visit).count() == 1
    assert Incident.objects.filter(visit=visit, kind=IncidentKind.THREAT).count() == 1
    kinds = list(VisitEvent.objects.filter(visit=visit).order_by("at", "id").values_list("kind", flat=True))
    assert kinds.index(EventKind.ARRIVED) < kinds.index(EventKind.LEFT) < kinds.index(EventKind.BACK_AT_SCHOOL)
    assert mail.outbox, "the concern and the incident were sent to the leads"
    # Every PDF renders and is named by the visit's London date; the record prints London times.
    day = timezone.localtime(visit.scheduled_start).date().isoformat()
    for kind, (content, filename) in documents.items():
        assert content.startswith(b"%PDF"), kind
        assert day in filename, kind
    record_text = _text(documents["record"][0])
    assert _hhmm(visit.arrived_at) in record_text
    assert _hhmm(visit.left_at) in record_text


@pytest.mark.parametrize("instant", SWEEP)
def test_hc18_hc19_overdue_and_code_word_at_any_hour(instant, cast, pinned_clock, django_capture_on_commit_callbacks):
    # Arrange: a visit under way that should end an hour after it starts.
    visit = _book(cast, minutes_ahead=5, code_word="marigold")
    lifecycle.transition(visit, cast.visitor, "start")
    grace = visit.school.overdue_grace

    # Act / Assert: not overdue a minute before the grace runs out, overdue a minute after.
    pinned_clock.move_to(visit.expected_end + grace - dt.timedelta(minutes=1))
    assert not lifecycle.record_overdue(visit)
    pinned_clock.move_to(visit.expected_end + grace + dt.timedelta(minutes=1))
    assert lifecycle.record_overdue(visit)
    assert lifecycle.alarm_state(visit).overdue_open

    # Act: the visitor rings in with the code word (hc18).
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.raise_code_word_alarm(visit, cast.office)

    # Assert: the alarm is open and the leads were told, never with the word itself.
    state = lifecycle.alarm_state(visit)
    assert state.code_word_at is not None and state.is_open
    assert mail.outbox
    assert all("marigold" not in message.body and "marigold" not in message.subject for message in mail.outbox)
