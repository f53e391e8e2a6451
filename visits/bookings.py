"""Booking: requests made from the Home Visit Form and the new-starter planner (mp03), written in
one transaction that locks the visitors' rows and checks their diaries again, so that of two
people booking the same visitor at the same moment the second is told. Above the forms (which
check what a person typed) and the lifecycle (which writes); below the views.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import code_word, lifecycle
from .enums import AppointmentMethod, Reason, VisitType
from .exceptions import LifecycleError
from .forms import (
    NewStarterForm,
    VisitForm,
    add_lifecycle_errors,
    clash_message,
    is_evening,
    visits_clashing,
)
from .models import Household, Pupil, User, Visit

NEW_STARTER_WHY_NOT_IN_SCHOOL = "New starter visit: meeting the family at home (policy)"


# --- one request from the Home Visit Form -------------------------------------------------------------


def book(form: VisitForm, actor: User, *, submit: bool) -> Visit | None:
    """Create the request of a valid form through the lifecycle, with the visitors' diaries
    checked again under a lock. None, with the reason on the form, when it was refused."""
    try:
        with transaction.atomic():
            if visitors_booked_meanwhile(form):
                return None
            return lifecycle.create_request(
                actor,
                form.school,
                form.household,
                form.lifecycle_fields(),
                pupils=form.cleaned_data["pupils"],
                reasons=form.cleaned_data["reasons"],
                submit=submit,
            )
    except ValidationError as exc:
        add_lifecycle_errors(form, exc)
    except LifecycleError as exc:
        form.add_error(None, str(exc))
    return None


def visitors_booked_meanwhile(form: VisitForm) -> bool:
    """Lock the visitors' rows for the rest of the transaction and check their diaries again:
    of two people booking the same visitor at the same time, the second is told (a race)."""
    list(User.objects.select_for_update().filter(pk__in=form.visitor_ids()).values_list("pk", flat=True))
    return form.add_clash_errors()


def save_changes(form: VisitForm, visit: Visit, actor: User) -> bool:
    """Change a request from a valid edit form through the lifecycle, with the visitors' diaries
    checked again under a lock. False, with the reason on the form, when it was refused."""
    try:
        with transaction.atomic():
            if visitors_booked_meanwhile(form):
                return False
            lifecycle.update_request(
                visit,
                actor,
                form.lifecycle_fields(),
                pupils=form.cleaned_data["pupils"],
                reasons=form.cleaned_data["reasons"],
            )
            return True
    except ValidationError as exc:
        add_lifecycle_errors(form, exc)
    except LifecycleError as exc:
        form.add_error(None, str(exc))
    return False


# --- new-starter visits (mp03) -------------------------------------------------------------------


@dataclass
class PlannedVisit:
    """One row of the new-starter schedule: one household, one time, one pair."""

    household: Household
    pupils: list[Pupil]
    start: dt.datetime
    end: dt.datetime
    lead: User
    second: User
    problems: list[str] = field(default_factory=list)


def plan_new_starters(form: NewStarterForm) -> tuple[list[PlannedVisit], list[str]]:
    """The schedule for a valid `NewStarterForm`: one visit per household (households with
    several chosen pupils get one visit), households in name order taking the next free time
    and pair, Monday to Friday. Returns the rows (each with its clashes) and problems with the
    plan as a whole. Writes nothing."""
    data = form.cleaned_data
    school = form.school
    by_household: dict[int, list[Pupil]] = {}
    for pupil in sorted(data["pupils"], key=lambda p: (p.household.name, p.last_name, p.first_name)):
        by_household.setdefault(pupil.household_id, []).append(pupil)
    length = dt.timedelta(minutes=data["duration"])
    combos = []
    day = data["date_from"]
    while day <= data["date_to"]:
        if day.weekday() < 5:
            for slot in data["slots"]:
                start = timezone.make_aware(dt.datetime.combine(day, slot))
                for lead, second in data["pairs"]:
                    combos.append((start, lead, second))
        day += dt.timedelta(days=1)
    households = list(by_household.values())
    if len(households) > len(combos):
        return [], [
            f"There are {len(households)} households to visit but only {len(combos)} times for your pairs. "
            "Choose more days, more start times or another pair."
        ]
    rows = []
    used = list(zip(households, combos, strict=False))
    # The visitors' other visits over the whole schedule, in one query (not one per row).
    existing: dict[int, list[Visit]] = {}
    if used:
        people = {p.pk for pair in data["pairs"] for p in pair}
        first, last = used[0][1][0], used[-1][1][0] + length
        for other in visits_clashing(people, first, last):
            for pk in other.visitor_ids & people:
                existing.setdefault(pk, []).append(other)
    booked: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    now = timezone.now()
    for pupils, (start, lead, second) in used:
        end = start + length
        row = PlannedVisit(pupils[0].household, pupils, start, end, lead, second)
        for person in (lead, second):
            other = next(
                (v for v in existing.get(person.pk, []) if v.scheduled_start < end and start < v.expected_end), None
            )
            if other is not None:
                row.problems.append(clash_message(person, other, short=True))
            if any(s < end and start < e for s, e in booked.get(person.pk, [])):
                row.problems.append(f"{person} has another visit of this schedule at the same time.")
            booked.setdefault(person.pk, []).append((start, end))
        if is_evening(school, start, end):
            row.problems.append(
                f"Ends after {school.evening_cutoff:%H:%M}: the policy strongly recommends no evening visits."
            )
        if start < now:
            row.problems.append("This time has already passed.")
        rows.append(row)
    return rows, []


def new_starter_fields(row: PlannedVisit, purpose: str) -> dict[str, Any]:
    """The Visit fields of one new-starter request (mp03)."""
    household = row.household
    contact = next((c for c in household.contacts.all() if c.parental_responsibility), None)
    names = ", ".join(p.first_name for p in row.pupils)
    return {
        "visit_type": VisitType.PLANNED,
        "reason_detail": f"New starter: {names}.",
        "purpose": purpose,
        "why_not_in_school": NEW_STARTER_WHY_NOT_IN_SCHOOL,
        "family_informed": True,
        "appointment_method": AppointmentMethod.LETTER,
        "person_visited": str(contact) if contact else household.name,
        "contact": contact,
        "address_line1": household.address_line1,
        "address_line2": household.address_line2,
        "town": household.town,
        "postcode": household.postcode,
        "scheduled_start": row.start,
        "expected_end": row.end,
        "lead_visitor": row.lead,
        "lead_visitor_role": row.lead.job_title or "Visiting staff",
        "second_visitor": row.second,
        "second_visitor_role": row.second.job_title or "Visiting staff",
        "code_word": code_word.suggest(avoid=f"{household.name} {household.address}"),
    }


def plan_signature(rows: list) -> str:
    """A fingerprint of the previewed schedule: confirm creates only what the user saw."""
    text = "|".join(
        f"{r.household.pk}:{r.start.isoformat()}:{r.end.isoformat()}:{r.lead.pk}:{r.second.pk}:"
        + ",".join(str(p.pk) for p in r.pupils)
        for r in rows
    )
    return hashlib.sha256(text.encode()).hexdigest()


def create_new_starters(actor: User, form: NewStarterForm, rows: list) -> tuple[list[Visit], list[str]]:
    """Create every request of the schedule in one transaction: all, or none and the reasons."""
    submit = form.cleaned_data["submit_now"] == "submit"
    purpose = form.cleaned_data["purpose"].strip()
    created = []
    try:
        with transaction.atomic():
            # Lock the visitors and plan again: a visit booked for one of them since the preview
            # turns up now, and nothing is saved (a race with another booking).
            people = {p.pk for pair in form.cleaned_data["pairs"] for p in pair}
            list(User.objects.select_for_update().filter(pk__in=people).values_list("pk", flat=True))
            again, problems = plan_new_starters(form)
            if problems or any(r.problems for r in again) or plan_signature(again) != plan_signature(rows):
                return [], ["One of these visitors was booked for something else meanwhile: preview again."]
            for row in rows:
                created.append(
                    lifecycle.create_request(
                        actor,
                        form.school,
                        row.household,
                        new_starter_fields(row, purpose),
                        pupils=row.pupils,
                        reasons=[Reason.NEW_STARTER],
                        submit=submit,
                    )
                )
    except ValidationError as exc:
        return [], exc.messages
    except LifecycleError as exc:
        return [], [str(exc)]
    return created, []
