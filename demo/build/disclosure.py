"""Subject access and pupils leaving in the demo (issue 17, parts 5 and 6), at the first school:

- an open subject access request about a pupil with completed visits, received 5 days ago (due in
  about three and a half weeks), its redactions not yet saved (the suggestions show);
- an overdue one, received 40 days ago, about a contact, still open;
- a closed one: received 25 days ago, its bundle made and sent the school day before today;
- a pupil who left 4 school days ago, the file made and sent the school day before by secure email, awaiting
  the next school's confirmation; and one who left that day, the file not yet sent.

Made through `disclosure.services` with the clock set to each step's moment, after the terms
(`seed_terms`), so that the school days are counted within them."""

from __future__ import annotations

import datetime as dt

from disclosure import services
from disclosure.dates import SchoolCalendar
from visits.enums import Status
from visits.models import Pupil, Visit

from .clock import clock
from .state import Demo

FIRST = "holy-cross"


def _pupils_with_visits(demo: Demo) -> list[Pupil]:
    school = demo.schools[FIRST]
    seen: list[Pupil] = []
    for visit in Visit.objects.filter(school=school, status=Status.COMPLETED).order_by("scheduled_start"):
        for pupil in visit.pupils.all():
            if pupil not in seen:
                seen.append(pupil)
    return seen


def _at(demo: Demo, day: dt.date, hour: int = 10) -> dt.datetime:
    return demo.now.replace(year=day.year, month=day.month, day=day.day, hour=hour, minute=0)


def seed_disclosure(demo: Demo) -> None:
    school = demo.schools[FIRST]
    lead = demo.staff(FIRST, "lead")
    pupils = _pupils_with_visits(demo)
    if len(pupils) < 4:
        return
    asked = [("Mrs Joanne Keane", "parent"), ("Mr David Okafor", "parent")]
    # Open, due in about three and a half weeks.
    received = demo.today - dt.timedelta(days=5)
    with clock(_at(demo, received)):
        services.record_request(
            lead,
            school,
            pupils[0],
            requester_name=asked[0][0],
            relationship=asked[0][1],
            received_on=received,
            identity_check="known",
        )
    # Overdue: a contact of a family with visits, still open.
    visited = Visit.objects.filter(school=school, status=Status.COMPLETED, contact__isnull=False).first()
    contact = visited.contact if visited is not None else pupils[1].household.contacts.order_by("id").first()
    received = demo.today - dt.timedelta(days=40)
    if contact is not None:
        with clock(_at(demo, received)):
            services.record_request(
                lead,
                school,
                contact,
                requester_name=f"{contact.first_name} {contact.last_name}",
                relationship="contact",
                received_on=received,
                identity_check="photo_id",
            )
    _closed_request(demo, lead, pupils[2], asked[1])
    _leavers(demo, lead, pupils[3], pupils[4] if len(pupils) > 4 else None)


def _closed_request(demo: Demo, lead, pupil: Pupil, asked: tuple[str, str]) -> None:
    school = demo.schools[FIRST]
    received = demo.today - dt.timedelta(days=25)
    with clock(_at(demo, received)):
        sar = services.record_request(
            lead,
            school,
            pupil,
            requester_name=asked[0],
            relationship=asked[1],
            received_on=received,
            identity_check="photo_id",
        )
    built = _school_days_back(SchoolCalendar.of(school), demo.today, 1)
    with clock(_at(demo, built)):
        found = services.dossier(sar)
        services.mark_redactions(lead, sar, found.suggested)
        services.build_request_bundle(lead, sar)
    with clock(_at(demo, built, 15)):
        services.close_request(lead, sar, built)


def _leavers(demo: Demo, lead, sent_pupil: Pupil, waiting_pupil: Pupil | None) -> None:
    school = demo.schools[FIRST]
    calendar = SchoolCalendar.of(school)
    left = _school_days_back(calendar, demo.today, 4)
    with clock(_at(demo, left, 16)):
        leaver = services.record_leaver(
            lead,
            school,
            sent_pupil,
            left_on=left,
            next_school="St Anne's RC Primary",
            starts_on=left + dt.timedelta(days=3),
        )
    yesterday = _school_days_back(calendar, demo.today, 1)
    with clock(_at(demo, yesterday, 9)):
        services.build_leaver_file(lead, leaver)
    with clock(_at(demo, yesterday, 11)):
        services.record_sent(lead, leaver, yesterday, "egress")
    if waiting_pupil is not None:
        with clock(_at(demo, yesterday, 16)):
            services.record_leaver(lead, school, waiting_pupil, left_on=yesterday, next_school="Moss Side Primary")


def _school_days_back(calendar: SchoolCalendar, today: dt.date, count: int) -> dt.date:
    """The day `count` school days before today (or the nearest weekday before, out of term)."""
    day, found = today, 0
    for _ in range(60):
        day -= dt.timedelta(days=1)
        if calendar.is_school_day(day):
            found += 1
            if found == count:
                return day
    return today - dt.timedelta(days=count)
