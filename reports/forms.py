"""The reports' forms: which school, which days (a date range or one of the school's terms), and
the school's terms themselves."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import QueryDict
from django.utils import timezone

from homevisits.validators import PlainTextForm
from visits.models import School, Term

from . import figures

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
MAX_SPAN = dt.timedelta(days=5 * 366)  # not more than 5 years at a time


class _DateInput(forms.DateInput):
    input_type = "text"

    def __init__(self) -> None:
        super().__init__(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"})


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        widget=_DateInput(),
        error_messages={"invalid": "Enter a date as dd/mm/yyyy, for example 01/09/2026."},
    )


class PeriodForm(PlainTextForm, forms.Form):
    """The days a report covers: one of the school's terms, or from and to dates (whole UK days,
    both included). With neither, the term under way today, else the last 90 days."""

    term = forms.ModelChoiceField(queryset=Term.objects.none(), required=False, empty_label="Dates below")
    date_from = _date_field("From")
    date_to = _date_field("To")

    def __init__(self, data=None, *, school_ids: list[int], **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.school_ids = school_ids
        self.fields["term"].queryset = Term.objects.filter(school_id__in=school_ids).select_related("school")
        self.fields["term"].label_from_instance = self._term_label
        self.several = len(school_ids) > 1

    def _term_label(self, term: Term) -> str:
        dates = f"{term.starts:%d/%m/%Y} to {term.ends:%d/%m/%Y}"
        return f"{term.school.name}: {term.name} ({dates})" if self.several else f"{term.name} ({dates})"

    def default_terms(self, data: dict):
        return self.fields["term"].queryset

    def clean(self) -> dict:
        data = super().clean()
        term, start, end = data.get("term"), data.get("date_from"), data.get("date_to")
        if self.errors:
            return data
        if term is not None:
            data["start"], data["end"] = term.starts, term.ends
            return data
        if start is None and end is None:
            data["term"], data["start"], data["end"] = default_period(self.default_terms(data))
            return data
        if start is None or end is None:
            raise forms.ValidationError("Enter both dates, or choose a term.")
        if start > end:
            self.add_error("date_to", "The end date must be on or after the start date.")
        elif end - start > MAX_SPAN:
            self.add_error("date_to", "A report covers at most 5 years: choose a shorter period.")
        data["start"], data["end"] = start, end
        return data


def default_period(terms) -> tuple[Term | None, dt.date, dt.date]:
    """The term under way today, else the last 90 days."""
    today = timezone.localdate()
    current = terms.filter(starts__lte=today, ends__gte=today).order_by("starts").first()
    if current is not None:
        return current, current.starts, current.ends
    return None, today - dt.timedelta(days=90), today


class TrustReportForm(PeriodForm):
    """The trust's report: dates only (terms are each school's), by default the last 90 days."""

    def __init__(self, data=None, *, school_ids: list[int], **kwargs) -> None:
        super().__init__(data, school_ids=school_ids, **kwargs)
        del self.fields["term"]

    def default_terms(self, data: dict):
        return Term.objects.none()


class SchoolReportForm(PeriodForm):
    """A school's report: the school (a picker when the person has the role at several)."""

    school = forms.ModelChoiceField(queryset=School.objects.none(), required=False, empty_label=None)

    field_order = ["school", "term", "date_from", "date_to"]

    def __init__(self, data=None, *, school_ids: list[int], **kwargs) -> None:
        super().__init__(data, school_ids=school_ids, **kwargs)
        self.fields["school"].queryset = School.objects.filter(pk__in=school_ids)
        if len(school_ids) == 1:
            self.fields["school"].widget = forms.HiddenInput()

    def _school(self, data: dict) -> School | None:
        return data.get("school") or self.fields["school"].queryset.first()

    def default_terms(self, data: dict):
        return self.fields["term"].queryset.filter(school=self._school(data))

    def clean(self) -> dict:
        data = super().clean()
        school = data["school"] = self._school(data)
        term = data.get("term")
        if term is not None and school is not None and term.school_id != school.pk:
            self.add_error("term", "Choose a term of the school the report is for.")
        return data


class VisitListForm(SchoolReportForm):
    """The visits behind one figure: the report's school and days, and the figure."""

    f = forms.CharField(required=False, widget=forms.HiddenInput())
    v = forms.CharField(required=False, widget=forms.HiddenInput())

    def clean(self) -> dict:
        data = super().clean()
        key, value = data.get("f") or "all", data.get("v") or "all"
        if value not in figures.FILTERS.get(key, {}):
            raise forms.ValidationError("That figure is not one of the report's: go back to the report.")
        data["f"], data["v"] = key, value
        return data


PERIOD_FIELDS = ("term", "date_from", "date_to")


def with_defaults(form: forms.Form, query: str) -> forms.Form:
    """A valid form whose period (or term) was left to its default, bound again to what it chose,
    so that the page shows the choice it reports on."""
    if not form.is_valid() or any(form.data.get(name) for name in PERIOD_FIELDS):
        return form
    again = type(form)(QueryDict(query), school_ids=form.school_ids)
    again.is_valid()
    return again


class GovernorsForm(PlainTextForm, forms.Form):
    """The governors' report: one of the school's terms."""

    school = forms.ModelChoiceField(queryset=School.objects.none(), required=False, empty_label=None)
    term = forms.ModelChoiceField(queryset=Term.objects.none(), required=False, empty_label=None)

    def __init__(self, data=None, *, school_ids: list[int], **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.school_ids = school_ids
        self.fields["school"].queryset = School.objects.filter(pk__in=school_ids)
        if len(school_ids) == 1:
            self.fields["school"].widget = forms.HiddenInput()
        self.fields["term"].queryset = Term.objects.filter(school_id__in=school_ids).order_by("-starts")
        self.fields["term"].label_from_instance = lambda t: f"{t.name} ({t.starts:%d/%m/%Y} to {t.ends:%d/%m/%Y})"

    def clean(self) -> dict:
        data = super().clean()
        school = data.get("school") or self.fields["school"].queryset.first()
        data["school"] = school
        if school is None:
            return data
        terms = self.fields["term"].queryset.filter(school=school)
        term = data.get("term")
        if term is None:
            term = terms.filter(starts__lte=timezone.localdate()).first() or terms.first()
        elif term.school_id != school.pk:
            self.add_error("term", "Choose a term of this school.")
        data["term"] = term
        return data


class TermForm(PlainTextForm, forms.ModelForm):
    """One term of a school: ends on or after it starts, and overlaps no other term of the school."""

    starts = forms.DateField(
        label="First day",
        input_formats=DATE_FORMATS,
        widget=_DateInput(),
        error_messages={"invalid": "Enter a date as dd/mm/yyyy, for example 01/09/2026."},
    )
    ends = forms.DateField(
        label="Last day",
        input_formats=DATE_FORMATS,
        widget=_DateInput(),
        error_messages={"invalid": "Enter a date as dd/mm/yyyy, for example 18/12/2026."},
    )

    class Meta:
        model = Term
        fields = ["name", "starts", "ends"]

    def __init__(self, *args, school: School, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.school = school
        self.instance.school = school
        self.fields["name"].error_messages["required"] = "Give the term a name, for example Autumn 2026."

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Give the term a name, for example Autumn 2026.")
        return name

    def clean(self) -> dict:
        data = super().clean()
        starts, ends = data.get("starts"), data.get("ends")
        if starts is None or ends is None:
            return data
        if ends < starts:
            self.add_error("ends", "The last day must be on or after the first day.")
            return data
        if ends - starts > dt.timedelta(days=366):
            self.add_error("ends", "A term lasts at most a year: check the dates.")
            return data
        clash = (
            Term.objects.filter(school=self.school, starts__lte=ends, ends__gte=starts)
            .exclude(pk=self.instance.pk)
            .first()
        )
        if clash is not None:
            self.add_error(
                "starts",
                f"These dates overlap {clash.name} ({clash.starts:%d/%m/%Y} to {clash.ends:%d/%m/%Y}).",
            )
        return data

    def validate_unique(self) -> None:
        # The overlap check above says it in words; the unique start is one case of it.
        pass


class SchoolPickForm(PlainTextForm, forms.Form):
    """Which of the person's schools a page is about (the first when not given)."""

    school = forms.ModelChoiceField(queryset=School.objects.none(), required=False, empty_label=None)

    def __init__(self, data=None, *, school_ids: list[int], **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.fields["school"].queryset = School.objects.filter(pk__in=school_ids)
        self.several = len(school_ids) > 1

    def clean(self) -> dict:
        data = super().clean()
        data["school"] = data.get("school") or self.fields["school"].queryset.first()
        return data
