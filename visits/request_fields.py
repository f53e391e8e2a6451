"""The fields of a visit request, and what each one means to the rules: written once.

Three rules read this table, each a different selection of the same fields:
- the booking form edits the fields marked `on_form` (`forms.VisitForm.Meta.fields`); the day, the
  times, the household and "will the family be told" have fields of their own on the form;
- a follow-up (mp02) starts from the visit it follows: the fields marked `follow_up` are copied;
- an authorisation (hc01) covers the fields marked `authorised`: changing one of them after the
  lead authorised the visit sends it back to the queue (`lifecycle.requests.update_request`).

A new field of the request is added here once, and says for itself whether each rule applies.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RequestField:
    name: str
    on_form: bool = True
    follow_up: bool = False
    authorised: bool = False


F = RequestField

# In the order the form lists them.
REQUEST_FIELDS: tuple[RequestField, ...] = (
    # Who goes (hc06, mp04): a pair, or an outside-agency worker, or a reason to go alone.
    F("lead_visitor", follow_up=True, authorised=True),
    F("lead_visitor_role", follow_up=True, authorised=True),
    F("second_visitor", follow_up=True, authorised=True),
    F("second_visitor_role", follow_up=True, authorised=True),
    F("agency_worker_name", follow_up=True, authorised=True),
    F("agency_worker_organisation", follow_up=True, authorised=True),
    F("agency_worker_phone", follow_up=True),
    F("lone_visit_reason", follow_up=True),
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
    F("why_not_in_school", follow_up=True),
    # Telling the family (hc02, hc08).
    F("not_informed_exception", follow_up=True, authorised=True),
    F("appointment_method", follow_up=True),
    F("appointment_made_at"),
    # The briefing and safety (hc07, hc11): a follow-up agrees a new code word.
    F("people_to_see", follow_up=True),
    F("briefing"),
    F("code_word", authorised=True),
    # mp01: the SLT member the lead relied on.
    F("slt_consulted", follow_up=True, authorised=True),
    F("evening_confirmed"),
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
