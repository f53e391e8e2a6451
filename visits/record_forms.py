"""The forms of the Record of Home Visit on the tablet (hc15, hc20-hc22): who is present, the
not-conducted confirmation, and the record itself. Forms validate in words a school secretary
understands; `visits.lifecycle` persists.

Yes/no answers are radio toggles posting "yes" or "no" (never a checkbox a tired thumb can miss),
and every field is named as the record's field, so the tablet's draft (static/js/record.js) keeps
and restores them by name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from homevisits.validators import PlainTextForm

from . import code_word as code_words
from .enums import AdultAuthority, IncidentKind
from .models import Visit

TEXT_MAX = 10_000
YES_NO = [("yes", "Yes"), ("no", "No")]
INCIDENT_CHOICES = [("", "No incident"), *IncidentKind.choices]
# The record's datetime in the form and in the draft: what <input type="datetime-local"> sends.
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def yes_no(label: str, required_message: str, **kwargs) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": required_message, "invalid_choice": required_message},
        **kwargs,
    )


def as_form_value(value: Any) -> Any:
    """A record or draft value as the form shows it: booleans as the yes/no toggles, times as
    the datetime-local input's text."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime(DATETIME_LOCAL)
    return value


class PresenceForm(PlainTextForm, forms.Form):
    """hc15: the adult spoken to at the door, and whether they may let the visit go ahead."""

    adult_authority = forms.ChoiceField(
        label="Who is the adult you are speaking to?",
        choices=AdultAuthority.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who the adult is, or that no responsible adult is present."},
    )
    adult_spoken_to = forms.CharField(
        label="Their name",
        max_length=150,
        required=False,
        error_messages={"max_length": "Keep the name under 150 characters."},
    )
    adult_relationship = forms.CharField(
        label="Their relationship to the child",
        max_length=60,
        required=False,
        help_text="For example mother, grandfather, aunt, family friend.",
        error_messages={"max_length": "Keep the relationship under 60 characters."},
    )

    @property
    def no_responsible_adult(self) -> bool:
        return self.is_valid() and self.cleaned_data["adult_authority"] == AdultAuthority.NONE

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("adult_authority") in {AdultAuthority.PARENTAL_RESPONSIBILITY, AdultAuthority.DELEGATED}:
            if not data.get("adult_spoken_to", "").strip():
                self.add_error("adult_spoken_to", "Write the name of the adult you are speaking to.")
            if not data.get("adult_relationship", "").strip():
                self.add_error("adult_relationship", "Write how they are related to the child.")
        return data


class NotConductedForm(PlainTextForm, forms.Form):
    """hc15: the visitor confirms that the visit ends here, not conducted."""

    child_seen = yes_no("Did you see the child?", "Say whether you saw the child.")
    note = forms.CharField(
        label="Anything the school should know (optional)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: an older sibling answered and said the parents were out.",
        error_messages={"max_length": "Keep the note under 2,000 characters."},
    )


class RecordForm(PlainTextForm, forms.Form):
    """The Record of Home Visit (HC Appendix 1, hc20), with the adult of the presence step (hc15),
    a concern (hc21) and an incident (hc22). Field names are the record's own."""

    adult_spoken_to = forms.CharField(
        label="Adult spoken to",
        max_length=150,
        error_messages={
            "required": "Write the name of the adult you spoke to.",
            "max_length": "Keep the name under 150 characters.",
        },
    )
    adult_relationship = forms.CharField(
        label="Their relationship to the child",
        max_length=60,
        error_messages={
            "required": "Write how the adult is related to the child.",
            "max_length": "Keep the relationship under 60 characters.",
        },
    )
    adult_authority = forms.ChoiceField(
        label="Their authority for the child",
        choices=[c for c in AdultAuthority.choices if c[0] != AdultAuthority.NONE],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether the adult has parental responsibility or was delegated by a parent.",
            "invalid_choice": "Choose whether the adult has parental responsibility or was delegated by a parent.",
        },
    )
    people_seen = forms.CharField(
        label="Who was seen",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Everyone you saw at the home, for example: mother, Sam, younger brother.",
        error_messages={"required": "Write who you saw."},
    )
    child_seen = yes_no("Was the child seen?", "Say whether you saw the child.")
    outcome = forms.CharField(
        label="Outcome of the visit",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What happened and what was found.",
        error_messages={"required": "Write the outcome of the visit."},
    )
    action_required = forms.CharField(
        label="Action required (optional)",
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What the school must do next, and who.",
    )
    child_protection_concern = yes_no(
        "Do you have a child protection concern?", "Say whether you have a child protection concern."
    )
    concern_details = forms.CharField(
        label="What worried you",
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Facts, in your own words. It goes to the safeguarding leads as a concern.",
    )
    incident_kind = forms.ChoiceField(
        label="Was there an incident?",
        choices=INCIDENT_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose what kind of incident it was, or no incident."},
    )
    incident_at = forms.DateTimeField(
        label="When it happened",
        required=False,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={"invalid": "Enter the date and time it happened, for example 23/11/2026 14:30."},
    )
    incident_details = forms.CharField(
        label="What happened",
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Who, what was said or done, and what you did. It goes to the leads (an accusation to the head).",
    )
    follow_up_wanted = yes_no("Is a follow-up visit wanted?", "Say whether a follow-up visit is wanted.")
    agreed_with_family = forms.CharField(
        label="What we agreed with the family (optional)",
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Plain words for the parent, and nothing the family should not read.",
    )
    notes = forms.CharField(
        label="Notes (optional)",
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For the school only.",
    )

    # The order the form shows, the error summary lists and the draft keeps.
    SECTIONS = (
        ("The adult you spoke to", ("adult_spoken_to", "adult_relationship", "adult_authority")),
        ("What happened", ("people_seen", "child_seen", "outcome", "action_required")),
        ("Child protection", ("child_protection_concern", "concern_details")),
        ("Incident", ("incident_kind", "incident_at", "incident_details")),
        ("After the visit", ("follow_up_wanted", "agreed_with_family", "notes")),
    )

    def __init__(self, *args, visit: Visit, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.visit = visit
        # "No incident" is the answer until someone says otherwise.
        self.initial.setdefault("incident_kind", "")
        for name in ("people_seen", "outcome", "concern_details", "incident_details", "agreed_with_family", "notes"):
            self.fields[name].error_messages.setdefault(
                "max_length", f"This is too long: keep it under {TEXT_MAX:,} characters."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("child_protection_concern") and not data.get("concern_details", "").strip():
            self.add_error("concern_details", "Say what the concern is: it goes to the safeguarding leads.")
        kind = data.get("incident_kind")
        at = data.get("incident_at")
        if kind:
            if at is None and "incident_at" not in self.errors:
                self.add_error("incident_at", "Say when the incident happened.")
            if not data.get("incident_details", "").strip():
                self.add_error("incident_details", "Say what happened.")
        elif "incident_kind" not in self.errors and (at or data.get("incident_details", "").strip()):
            self.add_error("incident_kind", "Choose what kind of incident it was, or clear the time and details.")
        if at is not None and (problem := self.visit.incident_time_error(at)):
            self.add_error("incident_at", problem)
        if code_words.contains(data.get("agreed_with_family", ""), self.visit.code_word):
            self.add_error("agreed_with_family", code_words.FAMILY_FIELD_ERROR)
        return data

    def record_fields(self) -> dict[str, Any]:
        """The cleaned answers as the record's fields, for `lifecycle.submit_record`."""
        data = dict(self.cleaned_data)
        if not data.get("child_protection_concern"):
            data["concern_details"] = ""
        if not data.get("incident_kind"):
            data["incident_kind"], data["incident_at"], data["incident_details"] = "", None, ""
        data["conducted"] = True
        return data

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(field id, label, message) of every error, in the form's order, for the summary box."""
        rows = []
        for _, names in self.SECTIONS:
            for name in names:
                for message in self.errors.get(name, []):
                    rows.append((self[name].auto_id, self.fields[name].label, message))
        rows += [("", "", message) for message in self.non_field_errors()]
        return rows
