"""The fields of a visit request, and what each one means to the rules: written once.

Three rules read this table, each a different selection of the same fields:
- the booking form edits the fields marked `on_form` (`forms.VisitForm.Meta.fields`); the day, the
  times, the household and "will the family be told" have fields of their own on the form;
- a follow-up (mp02) starts from the visit it follows: the fields marked `follow_up` are copied;
- an authorisation (hc01) covers the fields marked `authorised`: changing one of them after the
  lead authorised the visit sends it back to the queue (`lifecycle.requests.update_request`).

A new field of the request is added here once, and says for itself whether each rule applies.

A fourth rule is which fields a request needs at all: some apply only after an answer makes them
needed (a reason to go alone only when nobody goes with the lead visitor; the exception only when
the family is not told). `shown_when` states it once: the booking form renders it as data
attributes (`static/js/booking.js` shows and hides the fields as the answers change; without
JavaScript every field is shown), and the form's validation reads it too (`needed`): a field not
needed is never required and a value left in it is dropped; one needed and `required` is asked
for by name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .enums import AppointmentMethod, VisitType

# The answers other fields depend on. `second_person` and `informed` are the form's own questions
# (who goes with the lead visitor; will the family be told); `evening` is worked out from the times
# (hc13, `Visit.is_evening`): "yes" for a visit that starts or ends after the school's cut-off.
SECOND_PERSON = "second_person"
STAFF, AGENCY, ALONE = "staff", "agency", "alone"
INFORMED = "informed"
EVENING = "evening"
YES, NO = "yes", "no"


@dataclass(frozen=True)
class When:
    """A field is needed when the answer `answer` is one of `values` (for an answer of several
    values, such as the ticked reasons, when any of them is)."""

    answer: str
    values: tuple[str, ...]

    def holds(self, answers: Mapping[str, str | Iterable[str] | None]) -> bool:
        given = answers.get(self.answer)
        given = [given] if given is None or isinstance(given, str) else list(given)
        return any(str(v) in self.values for v in given if v is not None)


def when(answer: str, *values: str) -> tuple[When, ...]:
    return (When(answer, tuple(str(v) for v in values)),)


@dataclass(frozen=True)
class RequestField:
    name: str
    on_form: bool = True
    follow_up: bool = False
    authorised: bool = False
    # Needed only when every one of these holds (always, when empty).
    shown_when: tuple[When, ...] = ()
    # When needed, it must be answered (the form asks for it with the field's own message).
    required: bool = False


F = RequestField
TOLD = when(INFORMED, YES)
APPOINTMENT_MADE = (
    When(INFORMED, (YES,)),
    When("appointment_method", (AppointmentMethod.PHONE, AppointmentMethod.LETTER, AppointmentMethod.IN_PERSON)),
)

# In the order the form lists them.
REQUEST_FIELDS: tuple[RequestField, ...] = (
    # Who goes (hc06, mp04): a pair, or an outside-agency worker, or a reason to go alone.
    F("lead_visitor", follow_up=True, authorised=True),
    F("lead_visitor_role", follow_up=True, authorised=True),
    F("second_visitor", follow_up=True, authorised=True, shown_when=when(SECOND_PERSON, STAFF), required=True),
    F("second_visitor_role", follow_up=True, authorised=True, shown_when=when(SECOND_PERSON, STAFF)),
    F("agency_worker_name", follow_up=True, authorised=True, shown_when=when(SECOND_PERSON, AGENCY), required=True),
    F(
        "agency_worker_organisation",
        follow_up=True,
        authorised=True,
        shown_when=when(SECOND_PERSON, AGENCY),
        required=True,
    ),
    F("agency_worker_phone", follow_up=True, shown_when=when(SECOND_PERSON, AGENCY)),
    F("lone_visit_reason", follow_up=True, shown_when=when(SECOND_PERSON, ALONE), required=True),
    # Whom and where (hc07).
    F("contact", follow_up=True),
    F("person_visited", follow_up=True),
    F("address_line1", follow_up=True, authorised=True),
    F("address_line2", follow_up=True, authorised=True),
    F("town", follow_up=True, authorised=True),
    F("postcode", follow_up=True, authorised=True),
    # Why (hc03-hc05). A follow-up writes its own purpose.
    F("visit_type", authorised=True),
    F("reason_detail", follow_up=True, authorised=True),
    F("purpose", authorised=True),
    # hc05: a planned visit says why a meeting in school will not do (as `Visit.clean` asks).
    F("why_not_in_school", follow_up=True, shown_when=when("visit_type", VisitType.PLANNED), required=True),
    # Telling the family (hc02, hc08): the exception when not told; how and when, when told.
    F("not_informed_exception", follow_up=True, authorised=True, shown_when=when(INFORMED, NO), required=True),
    F("appointment_method", follow_up=True, shown_when=TOLD),
    F("appointment_made_at", shown_when=APPOINTMENT_MADE),
    # The briefing and safety (hc07, hc11): a follow-up agrees a new code word.
    F("people_to_see", follow_up=True),
    F("briefing"),
    F("code_word", authorised=True),
    # mp01: the SLT member the lead relied on.
    F("slt_consulted", follow_up=True, authorised=True),
    F("evening_confirmed", shown_when=when(EVENING, YES), required=True),
    F("comments"),
    # Set on the form through fields of its own (the household page, the date and times, yes/no).
    F("household", on_form=False, authorised=True),
    F("scheduled_start", on_form=False, authorised=True),
    F("expected_end", on_form=False, authorised=True),
    F("family_informed", on_form=False, authorised=True),
)

FORM_FIELDS: tuple[str, ...] = tuple(f.name for f in REQUEST_FIELDS if f.on_form)
FOLLOW_UP_FIELDS: tuple[str, ...] = tuple(f.name for f in REQUEST_FIELDS if f.follow_up)
# What an authorisation covers (hc01).
AUTHORISED_FIELDS: frozenset[str] = frozenset(f.name for f in REQUEST_FIELDS if f.authorised)
# What the letter and the copy left at the home print of the request (hc11: never the code word).
PRINTED_FOR_FAMILY: tuple[str, ...] = ("person_visited", "address_line1", "address_line2", "town", "postcode")

# Which fields apply only after an answer (hc02, hc05, hc06, hc08, hc13), and which of those must
# then be answered.
SHOWN_WHEN: dict[str, tuple[When, ...]] = {f.name: f.shown_when for f in REQUEST_FIELDS if f.shown_when}
REQUIRED_WHEN_SHOWN: frozenset[str] = frozenset(f.name for f in REQUEST_FIELDS if f.shown_when and f.required)


def needed(name: str, answers: Mapping[str, str | Iterable[str] | None]) -> bool:
    """Whether field `name` applies, given the answers so far (a field with no condition always does)."""
    return all(c.holds(answers) for c in SHOWN_WHEN.get(name, ()))


def shown_when_attr(name: str) -> str:
    """The condition of `name` for the page (`data-shown-when`), read by static/js/booking.js: a JSON
    list of [answer, [values]] that must all hold. Empty for a field always shown."""
    return json.dumps([[c.answer, list(c.values)] for c in SHOWN_WHEN.get(name, ())]) if name in SHOWN_WHEN else ""
