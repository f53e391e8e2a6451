"""The review's forms (issue 17): what a lead types to keep, hold or erase a record, and the
school's retention periods. Each message says what to do, in words a lead reads at a glance."""

from __future__ import annotations

import datetime as dt

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone

from homevisits.validators import PlainTextForm

from .decisions import LONGEST_KEEP_YEARS
from .models import RetentionPolicy
from .rules import add_years

DATE_FORMAT = "%d/%m/%Y"
REASON_MAX = 1000
CONFIRM_WORD = "erase"


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


def _reason(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=REASON_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason: it is kept with the record's review."},
    )


class KeepForm(PlainTextForm, forms.Form):
    reason = _reason("Why keep it", "For example: the family has a younger child starting here next year.")
    review_after = forms.DateField(
        label="Review it again on",
        input_formats=[DATE_FORMAT, "%d/%m/%y"],
        help_text="dd/mm/yyyy: the record comes back to this list then.",
        widget=forms.DateInput(format=DATE_FORMAT, attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
        error_messages={"required": "Give the date to review it again.", "invalid": "Enter the date as dd/mm/yyyy."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean_review_after(self) -> dt.date:
        day = self.cleaned_data["review_after"]
        today = timezone.localdate()
        if day <= today:
            raise forms.ValidationError("The next review must be after today.")
        if day > add_years(today, LONGEST_KEEP_YEARS):
            raise forms.ValidationError(f"Choose a date within {LONGEST_KEEP_YEARS} years: review it again by then.")
        return day


class HoldForm(PlainTextForm, forms.Form):
    reason = _reason(
        "Why it is on legal hold",
        "For example: the Independent Inquiry into Child Sexual Abuse asked schools to keep such records.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class ReleaseForm(HoldForm):
    reason = _reason("Why the hold can be lifted", "For example: the inquiry has closed.")


class EraseForm(PlainTextForm, forms.Form):
    confirm = forms.CharField(
        label=f'Type "{CONFIRM_WORD}" to confirm',
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}),
        error_messages={"required": f'Type "{CONFIRM_WORD}" to erase this record, or go back.'},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"].strip().lower()
        if value != CONFIRM_WORD:
            raise forms.ValidationError(f'Type the word "{CONFIRM_WORD}" exactly, or go back.')
        return value


class PolicyForm(PlainTextForm, forms.ModelForm):
    class Meta:
        model = RetentionPolicy
        fields = ["cp_years", "other_years"]
        labels = {
            "cp_years": "Child protection records: years after the youngest pupil's date of birth",
            "other_years": "Other visit records: years after the end of the school year of the visit",
        }
        help_texts = {
            "cp_years": "At least 25 (the records management guidance for schools). Up to 100.",
            "other_years": "At least 2. Up to 50.",
        }
        error_messages = {
            "cp_years": {
                "min_value": "Keep child protection records for at least 25 years after the date of birth.",
                "max_value": "Choose 100 years or fewer.",
                "required": "Give the number of years.",
                "invalid": "Enter a whole number of years.",
            },
            "other_years": {
                "min_value": "Keep other visit records for at least 2 years after the school year.",
                "max_value": "Choose 50 years or fewer.",
                "required": "Give the number of years.",
                "invalid": "Enter a whole number of years.",
            },
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper()
