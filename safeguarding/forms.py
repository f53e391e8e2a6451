from __future__ import annotations

from django import forms

from homevisits.validators import MESSAGE as CONTROL_MESSAGE
from homevisits.validators import PlainTextForm, has_control_characters


class DecisionForm(PlainTextForm, forms.Form):
    """A lead's decision on a request (hc01). The form asks for what the decision itself needs
    (a reason to decline, what to change, why a High-risk visit still goes ahead and its extra
    controls, hc10); the lifecycle checks the rest (lone working hc06, evening hc13, mp01, hc09)."""

    conditions = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Conditions the visitors will see (optional)",
    )
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason for declining, or what must change",
    )
    # hc06, hc13: the lead's own confirmations, never given on their behalf.
    approve_lone_working = forms.BooleanField(
        required=False,
        label="I approve lone working for this visit",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    confirm_evening = forms.BooleanField(
        required=False,
        label="I confirm this evening visit is necessary",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    high_risk_reason = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why the visit still goes ahead",
    )
    high_risk_controls = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Extra controls (e.g. police present)",
    )

    def __init__(self, *args, action: str = "authorise", high_risk: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        self.high_risk = high_risk
        if not high_risk:
            del self.fields["high_risk_reason"], self.fields["high_risk_controls"]

    def clean(self):
        cleaned = super().clean()
        for name in ("note", "conditions", "high_risk_reason", "high_risk_controls"):
            cleaned[name] = (cleaned.get(name) or "").strip()
        if self.action == "authorise" and self.high_risk:
            # hc10: both, or the lead lowers the risk with further controls first.
            if not cleaned["high_risk_reason"]:
                self.add_error("high_risk_reason", "The risk assessment is High: say why the visit still goes ahead.")
            if not cleaned["high_risk_controls"]:
                self.add_error("high_risk_controls", "Name the extra controls, for example police present.")
        elif self.action == "decline" and not cleaned["note"]:
            self.add_error("note", "Say why the visit is declined.")
        elif self.action == "send_back" and not cleaned["note"]:
            self.add_error("note", "Say what needs to change before it can be authorised.")
        return cleaned


# --- risk ---

import re  # noqa: E402 - this area's imports stay in its own block of the shared file

from django.core.exceptions import ValidationError  # noqa: E402

RISK_ROW_FIELDS = ("hazard", "people_at_risk", "severity", "likelihood", "controls")
# row-<n>-<field>: n is any number below 10000, so rows added or removed in the browser need no
# renumbering; rows are read in the order of n.
RISK_ROW_KEY = re.compile(r"^row-(\d{1,4})-(hazard|people_at_risk|severity|likelihood|controls)$")
BLANK_RISK_ROW = dict.fromkeys(RISK_ROW_FIELDS, "")


def risk_rows_from(data) -> list[dict]:
    """The typed rows of a risk assessment table, in order, from POST data."""
    rows: dict[int, dict] = {}
    for key in data:
        if match := RISK_ROW_KEY.match(key):
            rows.setdefault(int(match[1]), dict(BLANK_RISK_ROW))[match[2]] = data.get(key, "")
    return [rows[n] for n in sorted(rows)]


class RiskRowsForm(PlainTextForm, forms.Form):
    """The rows of a risk assessment (hc09) as typed, and an optional note on what changed.

    `safeguarding.risk.clean_rows` judges the rows; its messages (which name the row) become the
    form's errors. "Add a row" and "Remove" also work without JavaScript: they post the form back
    and it is shown again with the row added or removed, nothing saved (`edit_requested`).
    """

    summary = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="What changed, or anything else the visitors should know (optional)",
    )

    def __init__(self, data=None, *, initial_rows=(), with_summary: bool = True, **kwargs) -> None:
        super().__init__(data, **kwargs)
        if not with_summary:
            del self.fields["summary"]
        if data is None:
            self.rows = [{name: getattr(row, name) for name in RISK_ROW_FIELDS} for row in initial_rows]
        else:
            self.rows = risk_rows_from(data)
        self.edit_requested = False
        if data is not None and "add_row" in data:
            self.rows.append(dict(BLANK_RISK_ROW))
            self.edit_requested = True
        elif data is not None and str(data.get("remove_row", "")).isdigit():
            index = int(data["remove_row"])
            self.rows = [row for i, row in enumerate(self.rows) if i != index]
            self.edit_requested = True
        if not self.rows:
            self.rows = [dict(BLANK_RISK_ROW)]

    def clean(self):
        from .risk import clean_rows

        cleaned = super().clean()
        for number, row in enumerate(self.rows, start=1):
            if any(has_control_characters(str(value)) for value in row.values()):
                # The rows are read from the data, not fields: the rule of every text field here.
                raise forms.ValidationError(f"Row {number}: {CONTROL_MESSAGE}")
        try:
            self.hazards = clean_rows(self.rows)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        return cleaned

    def display_rows(self) -> list[dict]:
        """The rows with their number, field values and level (when both ratings are chosen)."""
        from .models import risk_level

        shown = []
        for number, row in enumerate(self.rows):
            try:
                level = risk_level(int(row["severity"]), int(row["likelihood"]))
            except (KeyError, TypeError, ValueError):
                level = ""
            shown.append({"index": str(number), "number": number + 1, "level": level, **row})
        return shown


# --- concerns and incidents (hc17, hc21, hc22) ---

import datetime as _dt  # noqa: E402 - this area's imports stay in its own block of the shared file

from crispy_forms.helper import FormHelper as _FormHelper  # noqa: E402
from django.utils import timezone as _timezone  # noqa: E402

from .models import ConcernActionKind, ConcernKind, IncidentKind  # noqa: E402

_LONG_TEXT = 10_000


def _helper() -> _FormHelper:
    helper = _FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class RaiseConcernForm(PlainTextForm, forms.Form):
    """A concern about the visit's pupils, for the safeguarding leads (hc17, hc21)."""

    kind = forms.ChoiceField(
        choices=ConcernKind.choices,
        widget=forms.RadioSelect,
        label="What kind of concern?",
        error_messages={"required": "Choose what kind of concern this is."},
    )
    urgent = forms.BooleanField(
        required=False,
        label="Urgent: the leads are told at once (a child alone or in danger is always urgent)",
    )
    details = forms.CharField(
        max_length=_LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="What you saw or heard",
        help_text="Facts, in your own words. Only the safeguarding leads will read this.",
        error_messages={"required": "Write what you saw or heard."},
    )
    pupils = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Which pupils? (leave empty for all the visit's pupils)",
    )

    def __init__(self, *args, visit, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupils"].queryset = visit.pupils.order_by("last_name", "first_name")
        if len(self.fields["pupils"].queryset) < 2:
            del self.fields["pupils"]
        self.helper = _helper()


class ReportIncidentForm(PlainTextForm, forms.Form):
    """An incident on a visit with the time it happened (hc22)."""

    kind = forms.ChoiceField(
        choices=IncidentKind.choices,
        widget=forms.RadioSelect,
        label="What happened?",
        error_messages={"required": "Choose what kind of incident this is."},
    )
    date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        label="Date it happened",
        error_messages={"required": "Enter the date it happened.", "invalid": "Enter a real date."},
    )
    time = forms.TimeField(
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        label="Time it happened",
        error_messages={"required": "Enter the time it happened.", "invalid": "Enter a time such as 14:30."},
    )
    details = forms.CharField(
        max_length=_LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="What happened",
        help_text="Who, what was said or done, and what you did. Only the leads (and the head) read this.",
        error_messages={"required": "Write what happened."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            now = _timezone.localtime()
            self.initial.setdefault("date", now.date())
            self.initial.setdefault("time", now.time().replace(second=0, microsecond=0))
        self.helper = _helper()

    @property
    def occurred_at(self) -> _dt.datetime | None:
        day, at = self.cleaned_data.get("date"), self.cleaned_data.get("time")
        if day is None or at is None:
            return None
        return _timezone.make_aware(_dt.datetime.combine(day, at))


class ConcernActionForm(PlainTextForm, forms.Form):
    """What a lead did about a concern, with the reference number (hc21)."""

    kind = forms.ChoiceField(
        choices=[("", "Choose...")] + ConcernActionKind.recordable(),
        label="Action taken",
        error_messages={"required": "Choose what was done."},
    )
    reference = forms.CharField(required=False, max_length=60, label="Reference number (if any)")
    note = forms.CharField(
        required=False,
        max_length=_LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Note (needed for 'Other action')",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="action", **kwargs)
        self.helper = _helper()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == ConcernActionKind.OTHER and not (cleaned.get("note") or "").strip():
            self.add_error("note", "Say what was done.")
        return cleaned


class CloseConcernForm(PlainTextForm, forms.Form):
    reason = forms.CharField(
        max_length=_LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason for closing",
        error_messages={"required": "Write the reason for closing."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="close", **kwargs)
        self.helper = _helper()


class ReviewIncidentForm(PlainTextForm, forms.Form):
    note = forms.CharField(
        max_length=_LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What follows (note)",
        error_messages={"required": "Write what follows from this incident."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper()


# --- CPOMS ---


class CpomsForm(PlainTextForm, forms.Form):
    """hc24: the reference CPOMS gave the entry. `safeguarding.concerns.record_on_cpoms` judges it;
    its messages become the field's errors."""

    reference = forms.CharField(
        required=False,
        label="CPOMS reference",
        help_text="The number or reference CPOMS shows for the entry you made.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": 60, "spellcheck": "false"}),
    )


# --- the audit trail's filters (issue 15) ---

import uuid as _uuid  # noqa: E402 - this area's imports stay in its own block of the shared file

from crispy_forms.layout import Column as _Column  # noqa: E402
from crispy_forms.layout import Layout as _Layout  # noqa: E402
from crispy_forms.layout import Row as _Row  # noqa: E402

from visits.enums import AuditAction as _AuditAction  # noqa: E402
from visits.models import Household as _Household  # noqa: E402
from visits.models import School as _School  # noqa: E402
from visits.models import Visit as _Visit  # noqa: E402

FAMILY_MATCHES = 10
_EARLIEST_YEAR, _LATEST_YEAR = 2000, 2100


def _code(value: str):
    try:
        return _uuid.UUID(value.strip())
    except ValueError:
        return None


class AuditFilterForm(PlainTextForm, forms.Form):
    """The audit trail's filters (a GET form). One school at a time, among those the person may read
    the trail of; a family by its name (up to `FAMILY_MATCHES` households) or its household code; a
    visit by its code. Everything it finds is looked up in the chosen school only, so a code of
    another school gets the same answer as a code that does not exist."""

    school = forms.ModelChoiceField(
        queryset=_School.objects.none(), to_field_name="slug", required=False, empty_label=None
    )
    person = forms.CharField(
        required=False,
        max_length=150,
        label="Person (username)",
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off", "spellcheck": "false"}),
    )
    family = forms.CharField(
        required=False,
        max_length=150,
        label="Family (name or household code)",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    visit = forms.CharField(
        required=False,
        max_length=64,
        label="Visit code",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    action = forms.ChoiceField(required=False, choices=[("", "Any action"), *_AuditAction.choices])
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, schools: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = _School.objects.filter(pk__in=schools).order_by("name")
        self.choices = list(self.fields["school"].queryset)
        if len(self.choices) == 1:
            self.fields["school"].widget = forms.HiddenInput()
        self.helper = _helper()
        self.helper.layout = _Layout(
            "school",
            _Row(
                _Column("person", css_class="col-sm-6 col-lg-4"),
                _Column("family", css_class="col-sm-6 col-lg-4"),
                _Column("visit", css_class="col-sm-6 col-lg-4"),
                _Column("action", css_class="col-sm-6 col-lg-4"),
                _Column("date_from", css_class="col-6 col-lg-4"),
                _Column("date_to", css_class="col-6 col-lg-4"),
            ),
        )

    def clean_school(self):
        # Blank: the first of the person's schools, by name.
        return self.cleaned_data.get("school") or self.choices[0]

    def _check_year(self, name: str):
        day = self.cleaned_data.get(name)
        if day is not None and not _EARLIEST_YEAR <= day.year <= _LATEST_YEAR:
            raise forms.ValidationError(f"Give a date between {_EARLIEST_YEAR} and {_LATEST_YEAR}.")
        return day

    def clean_date_from(self):
        return self._check_year("date_from")

    def clean_date_to(self):
        return self._check_year("date_to")

    def clean_person(self):
        return self.cleaned_data["person"].strip()

    def clean(self):
        cleaned = super().clean()
        school = cleaned.get("school")
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last and last < first:
            self.add_error("date_to", "The 'to' date is before the 'from' date.")
        if school is None:
            return cleaned
        cleaned["households"] = self._households(school, (cleaned.get("family") or "").strip())
        cleaned["visit_obj"] = self._visit(school, (cleaned.get("visit") or "").strip())
        return cleaned

    def _households(self, school, wanted: str) -> list:
        if not wanted:
            return []
        code = _code(wanted)
        if code is not None:
            found = list(_Household.objects.filter(school=school, code=code))
            if not found:
                self.add_error("family", f"No household of {school.name} has this code.")
            return found
        found = list(
            _Household.objects.filter(school=school, name__icontains=wanted).order_by("name")[: FAMILY_MATCHES + 1]
        )
        if not found:
            self.add_error("family", f"No family of {school.name} has a name with '{wanted}' in it.")
        elif len(found) > FAMILY_MATCHES:
            self.add_error(
                "family", f"More than {FAMILY_MATCHES} families match: type more of the name, or the household code."
            )
            return []
        return found

    def _visit(self, school, wanted: str):
        if not wanted:
            return None
        code = _code(wanted)
        visit = _Visit.objects.filter(school=school, code=code).first() if code is not None else None
        if code is None:
            self.add_error("visit", "Enter a visit code, as shown at the end of the visit's address.")
        elif visit is None:
            self.add_error("visit", f"No visit of {school.name} has this code.")
        return visit
