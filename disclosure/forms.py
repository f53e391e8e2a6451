"""The forms of subject access and leavers: every date as dd/mm/yyyy, none in the future where it
is something that has happened, each refusal in words on the form; no control character in any
text (`PlainTextForm`, as every form of the project)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from homevisits.validators import PlainTextForm

from .models import Leaver, Relationship, SentHow, SubjectAccessRequest

DATE_FORMAT = "%d/%m/%Y"
EARLIEST = dt.timedelta(days=366)


def date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=[DATE_FORMAT, "%d/%m/%y"],
        widget=forms.DateInput(format=DATE_FORMAT, attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
        error_messages={
            "invalid": "Enter the date as dd/mm/yyyy, for example 24/11/2026.",
            "required": "Enter the date.",
        },
    )


def happened(value: dt.date | None, what: str) -> dt.date | None:
    """A date something happened: not in the future, not more than a year ago."""
    today = timezone.localdate()
    if value is not None and value > today:
        raise forms.ValidationError(f"The {what} cannot be in the future.")
    if value is not None and value < today - EARLIEST:
        raise forms.ValidationError(f"The {what} is more than a year ago: check the year.")
    return value


class RequestForm(PlainTextForm, forms.ModelForm):
    received_on = date_field("Date received", help_text="The day the school had the request, by any means.")

    class Meta:
        model = SubjectAccessRequest
        fields = ["requester_name", "relationship", "received_on", "identity_check"]
        help_texts = {"requester_name": "The name of the person who made the request."}
        error_messages = {
            "requester_name": {"required": "Enter who made the request."},
            "relationship": {"required": "Choose their relationship to the person."},
            "identity_check": {"required": "Choose how their identity was checked."},
        }

    def __init__(self, *args, subject_kind: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        mine = {Relationship.SELF, Relationship.PARENT} if subject_kind == "pupil" else {Relationship.CONTACT}
        allowed = [c for c in Relationship.choices if c[0] in mine | {Relationship.REPRESENTATIVE}]
        self.fields["relationship"].choices = [("", "---------"), *allowed]
        self.fields["requester_name"].strip = True

    def clean_received_on(self):
        return happened(self.cleaned_data.get("received_on"), "date received")


class CloseRequestForm(PlainTextForm, forms.Form):
    sent_on = date_field("Date the bundle was sent")

    def clean_sent_on(self):
        return happened(self.cleaned_data.get("sent_on"), "date sent")


class LeaverForm(PlainTextForm, forms.ModelForm):
    left_on = date_field("Date the pupil left")
    starts_on = date_field("Date they start at the next school", required=False)

    class Meta:
        model = Leaver
        fields = ["left_on", "next_school", "starts_on"]
        help_texts = {"next_school": "The name of the school they are going to."}
        error_messages = {"next_school": {"required": "Enter the name of the next school."}}

    def clean_left_on(self):
        return happened(self.cleaned_data.get("left_on"), "date the pupil left")

    def clean(self):
        data = super().clean()
        left, starts = data.get("left_on"), data.get("starts_on")
        if left and starts and starts < left:
            self.add_error("starts_on", "They cannot start at the next school before they left this one.")
        return data


class SentForm(PlainTextForm, forms.Form):
    sent_on = date_field("Date the file was sent")
    sent_how = forms.ChoiceField(
        label="How it was sent",
        choices=[("", "---------"), *SentHow.choices],
        error_messages={"required": "Choose how the file was sent.", "invalid_choice": "Choose how the file was sent."},
    )

    def clean_sent_on(self):
        return happened(self.cleaned_data.get("sent_on"), "date sent")


class ReceivedForm(PlainTextForm, forms.Form):
    received_on = date_field("Date the next school confirmed receipt")

    def clean_received_on(self):
        return happened(self.cleaned_data.get("received_on"), "date of the confirmation")
