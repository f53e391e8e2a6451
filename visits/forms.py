"""Forms of the visits app: booking a visit (the Home Visit Form, HC Appendix 1) and booking many
new-starter visits at once (mp03).

Forms validate what a person typed, with messages a school secretary understands; the lifecycle
persists (`visits.lifecycle.create_request` / `update_request`). The lifecycle re-checks the rules
that matter and raises `ValidationError` with field keys; `add_lifecycle_errors` puts those on the
form's fields.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Fieldset, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from homevisits.validators import PlainTextForm

from . import code_word as code_words
from .enums import AppointmentMethod, NotInformedException, Reason, Role, Status, VisitType
from .models import Contact, Household, Pupil, School, User, Visit
from .request_fields import (
    AGENCY,
    ALONE,
    EVENING,
    FORM_FIELDS,
    NO,
    PRINTED_FOR_FAMILY,
    REQUIRED_WHEN_SHOWN,
    SECOND_PERSON,
    SHOWN_WHEN,
    STAFF,
    YES,
    needed,
    shown_when_attr,
)

DATE_FORMAT = "%d/%m/%Y"
TIME_FORMAT = "%H:%M"


def visiting_staff(school: School) -> QuerySet[User]:
    return User.objects.filter(
        memberships__school=school, memberships__role=Role.VISITOR, memberships__is_active=True, is_active=True
    ).distinct()


def slt_members(school: School) -> QuerySet[User]:
    return User.objects.filter(
        memberships__school=school,
        memberships__role__in=[Role.HEAD, Role.LEAD, Role.DEPUTY_LEAD],
        memberships__is_active=True,
        is_active=True,
    ).distinct()


class StaffSelect(forms.Select):
    """Each person's job title on their option (`data-job-title`), from their profile: booking.js
    fills the job role in from it when the person is chosen."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None) -> dict[str, Any]:
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        person = getattr(value, "instance", None)
        if person is not None and person.job_title:
            option["attrs"]["data-job-title"] = person.job_title
        return option


class StaffChoiceField(forms.ModelChoiceField):
    widget = StaffSelect

    def label_from_instance(self, obj: User) -> str:
        return f"{obj} ({obj.job_title})" if obj.job_title else str(obj)


class PupilChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Pupil) -> str:
        return f"{obj.first_name} {obj.last_name} ({obj.year_group})"


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Contact) -> str:
        pr = "parental responsibility" if obj.parental_responsibility else "no parental responsibility"
        return f"{obj.first_name} {obj.last_name}, {obj.relationship} ({pr})"


def visits_clashing(
    user_ids: set[int], start: dt.datetime, end: dt.datetime, *, exclude_pk: int | None = None
) -> QuerySet[Visit]:
    """Visits that are not over (not declined, cancelled or completed) on which any of these
    people is lead or second visitor and whose time overlaps [start, end). Across every school,
    since a person may visit for several; callers name only the time, never the family."""
    qs = Visit.objects.filter(
        Q(lead_visitor_id__in=user_ids) | Q(second_visitor_id__in=user_ids),
        scheduled_start__lt=end,
        expected_end__gt=start,
    ).exclude(status__in=Status.terminal())
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("scheduled_start")


def clash_message(person: User, other: Visit, *, short: bool = False) -> str:
    start = timezone.localtime(other.scheduled_start)
    end = timezone.localtime(other.expected_end)
    if short:
        return f"{person} is already booked {start:%H:%M}-{end:%H:%M} that day."
    return (
        f"{person} is already booked for another visit on {start:%d/%m/%Y} from {start:%H:%M} to {end:%H:%M}. "
        "Choose another time or another visitor."
    )


def is_evening(school: School, start: dt.datetime, end: dt.datetime) -> bool:
    """hc13, the same rule as `Visit.is_evening`, for times not yet saved."""
    return Visit(school=school, scheduled_start=start, expected_end=end).is_evening


# Lifecycle error keys that are not form fields of the same name.
_LIFECYCLE_FIELD = {"scheduled_start": "start_time", "expected_end": "end_time", "household": None}


def add_lifecycle_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a lifecycle `ValidationError` on the form: on the field it names where the form has
    that field, otherwise at the top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        target = _LIFECYCLE_FIELD.get(key, key)
        if target is None or target not in form.fields:
            form.add_error(None, messages)
        elif target not in form.errors:
            form.add_error(target, messages)


YES_NO = [(YES, "Yes"), (NO, "No")]
SECOND_PERSON_CHOICES = [
    (STAFF, "A second member of staff"),
    (AGENCY, "An outside-agency worker"),
    (ALONE, "No one: a lone visit"),
]


def second_person_of(visit: Visit | None, initial: dict[str, Any]) -> str:
    """Who goes with the lead visitor on a request already written (or the fields copied into a
    follow-up): staff, an outside-agency worker, or no one. A new request starts with staff."""

    def value(name: str) -> Any:
        return initial.get(name) if name in initial else getattr(visit, name, None)

    if value("agency_worker_name") and not value("second_visitor"):
        return AGENCY
    if (visit is not None or "lead_visitor" in initial) and not value("second_visitor") and value("lone_visit_reason"):
        return ALONE
    return STAFF


def _blank(field: forms.Field) -> Any:
    """What a field not needed stands at: no tick, no choice, no text."""
    if isinstance(field, forms.BooleanField):
        return False
    if isinstance(field, (forms.ModelChoiceField, forms.DateTimeField)):
        return None
    return ""


def _shown(name: str, css_class: str = "", *, column: bool = False) -> Div:
    """A field in its box, with the condition that shows it (`data-shown-when`, from
    `request_fields.SHOWN_WHEN`) for static/js/booking.js."""
    attrs = {"data_shown_when": shown_when_attr(name)} if name in SHOWN_WHEN else {}
    return (Column if column else Div)(name, css_class=css_class, **attrs)


class VisitForm(PlainTextForm, forms.ModelForm):
    """The Home Visit Form (HC Appendix 1) and what the policies add, for one household.

    It asks only what applies: `request_fields.SHOWN_WHEN` says which fields an answer makes
    needed (a reason to go alone only when nobody goes with the lead visitor, the exception only
    when the family is not told, the evening confirmation only for an evening slot); the page shows
    them as the answers change, and `clean()` requires the needed ones and drops what was left in
    the others. `clean()` also checks what a secretary needs to hear about on the right field: a
    planned visit in the past, an end before the start, a visitor already booked at that time. The
    lifecycle checks the rest.
    """

    pupils = PupilChoiceField(
        queryset=Pupil.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Pupil(s)",
        error_messages={"required": "Choose at least one pupil."},
    )
    reasons = forms.MultipleChoiceField(
        choices=Reason.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Reason for calling (one or more)",
        error_messages={"required": "Choose at least one reason for the visit."},
    )
    visit_date = forms.DateField(
        label="Date",
        input_formats=[DATE_FORMAT, "%d/%m/%y"],
        widget=forms.DateInput(format=DATE_FORMAT, attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
        error_messages={"invalid": "Enter the date as dd/mm/yyyy, for example 24/11/2026."},
    )
    start_time = forms.TimeField(
        label="Start time",
        input_formats=[TIME_FORMAT],
        widget=forms.TimeInput(format=TIME_FORMAT, attrs={"placeholder": "HH:MM", "inputmode": "numeric"}),
        error_messages={"invalid": "Enter the time as HH:MM on the 24-hour clock, for example 09:30 or 14:15."},
    )
    end_time = forms.TimeField(
        label="Expected end time",
        input_formats=[TIME_FORMAT],
        widget=forms.TimeInput(format=TIME_FORMAT, attrs={"placeholder": "HH:MM", "inputmode": "numeric"}),
        help_text="When the visitors expect to have left. The office is alerted if they are late.",
        error_messages={"invalid": "Enter the time as HH:MM on the 24-hour clock, for example 10:30 or 15:00."},
    )
    second_person = forms.ChoiceField(
        choices=SECOND_PERSON_CHOICES,
        widget=forms.RadioSelect,
        required=False,
        label="Who goes with the lead visitor?",
    )
    informed = forms.ChoiceField(
        choices=YES_NO, widget=forms.RadioSelect, label="Will the family be told in advance?", initial=YES
    )

    class Meta:
        model = Visit
        fields = list(FORM_FIELDS)
        labels = {
            "lead_visitor": "Lead visitor",
            "lead_visitor_role": "Lead visitor's job role",
            "second_visitor": "Second visitor (school staff)",
            "second_visitor_role": "Second visitor's job role",
            "agency_worker_name": "Outside-agency worker's name",
            "agency_worker_organisation": "Organisation",
            "agency_worker_phone": "Phone",
            "lone_visit_reason": "Why must this visit be made alone?",
            "contact": "Person to be visited",
            "person_visited": "Or type their name",
            "address_line1": "Address line 1",
            "address_line2": "Address line 2",
            "visit_type": "Type of visit",
            "reason_detail": "Reason for calling: detail",
            "purpose": "Purpose: what the visit should achieve",
            "why_not_in_school": "Why is a meeting in school not suitable?",
            "not_informed_exception": "Why will the family not be told?",
            "appointment_method": "How was or will the appointment be made?",
            "appointment_made_at": "When was it made?",
            "people_to_see": "People to see",
            "briefing": "Briefing for the visitors",
            "code_word": "Code word",
            "slt_consulted": "Member of SLT the visit was discussed with",
            "evening_confirmed": "I confirm an evening visit is necessary",
            "comments": "Comments",
        }
        help_texts = {
            "code_word": "Suggested: keep it or agree another. Said on the phone by a visitor, it means they are in "
            "danger and the police are called. Only the visitors, the office and the leads see it.",
            "briefing": "What the visitors need to know about the family before they go.",
            "purpose": "",
            "why_not_in_school": "The policy asks that families are invited into school where practical.",
        }
        widgets = {
            "reason_detail": forms.Textarea(attrs={"rows": 2}),
            "purpose": forms.Textarea(attrs={"rows": 2}),
            "why_not_in_school": forms.Textarea(attrs={"rows": 2}),
            "people_to_see": forms.Textarea(attrs={"rows": 2}),
            "briefing": forms.Textarea(attrs={"rows": 3}),
            "lone_visit_reason": forms.Textarea(attrs={"rows": 2}),
            "comments": forms.Textarea(attrs={"rows": 2}),
            "visit_type": forms.RadioSelect,
            "code_word": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            "lead_visitor_role": forms.TextInput(
                attrs={"data-job-title-of": "id_lead_visitor", "placeholder": "From their profile"}
            ),
            "second_visitor_role": forms.TextInput(
                attrs={"data-job-title-of": "id_second_visitor", "placeholder": "From their profile"}
            ),
        }
        error_messages = {
            "purpose": {"required": "Say what the visit should achieve."},
            "address_line1": {"required": "Enter the first line of the address."},
            "town": {"required": "Enter the town."},
            "postcode": {"required": "Enter the postcode."},
            "code_word": {"required": "Agree a code word with the visitors and enter it here."},
            "lead_visitor": {"required": "Choose the member of staff leading the visit."},
            # Asked for only when needed (request_fields.SHOWN_WHEN).
            "agency_worker_name": {"required": "Enter the outside-agency worker's name."},
            "agency_worker_organisation": {"required": "Enter the outside agency's name."},
            "why_not_in_school": {"required": "For a planned visit, say why a meeting in school is not suitable."},
            "not_informed_exception": {"required": "Choose why the family will not be told in advance."},
        }

    def __init__(
        self,
        *args: Any,
        school: School,
        household: Household,
        visit: Visit | None = None,
        show_code_word: bool = True,
        **kwargs: Any,
    ) -> None:
        self.school = school
        self.household = household
        self.visit = visit
        if visit is not None:
            kwargs["instance"] = visit
            start = timezone.localtime(visit.scheduled_start)
            end = timezone.localtime(visit.expected_end)
            kwargs["initial"] = {
                "visit_date": start.date(),
                "start_time": start.time(),
                "end_time": end.time(),
                "pupils": list(visit.pupils.all()),
                "reasons": list(visit.reasons.values_list("reason", flat=True)),
                "informed": YES if visit.family_informed else NO,
                **kwargs.get("initial", {}),
            }
        initial = kwargs["initial"] = dict(kwargs.get("initial") or {})
        initial.setdefault(SECOND_PERSON, second_person_of(visit, initial))
        super().__init__(*args, **kwargs)
        f = self.fields
        staff = visiting_staff(school)
        for name, label in (("lead_visitor", "The lead visitor"), ("second_visitor", "The second visitor")):
            f[name] = StaffChoiceField(
                queryset=staff,
                required=name == "lead_visitor",
                label=self._meta.labels[name],
                error_messages={
                    "required": "Choose the member of staff leading the visit."
                    if name == "lead_visitor"
                    else "Choose the second member of staff, or say above that someone else or no one goes.",
                    "invalid_choice": f"{label} must be visiting staff at {school.name}.",
                },
            )
        if school.pairs_required:
            f[SECOND_PERSON].help_text = f"{school.name} makes visits in pairs: a lone visit needs the lead's approval."
        f["contact"] = ContactChoiceField(
            queryset=household.contacts.all(),
            required=False,
            label=self._meta.labels["contact"],
            empty_label="Someone not listed: type their name below",
        )
        if not show_code_word:
            # hc11: the code word only for the visitors, the office and the leads; a requester
            # who is none of these (a head, say) edits the rest and leaves the word as it is.
            del f["code_word"]
        elif visit is None and not self.is_bound and not self.initial.get("code_word"):
            # hc11: a suggestion, never one found in what is printed for the family.
            self.initial["code_word"] = code_words.suggest(avoid=self._printed_text(self.initial))
        if visit is None and not self.is_bound:
            self._roles_from_profiles(self.initial)
        f["person_visited"].required = False
        f["lead_visitor_role"].required = False
        f["pupils"].queryset = household.pupils.all()
        f["visit_type"].choices = VisitType.choices
        f["not_informed_exception"].choices = [("", "Choose the exception")] + NotInformedException.choices
        f["appointment_method"].choices = [("", "Not yet")] + AppointmentMethod.choices
        f["appointment_made_at"] = forms.DateTimeField(
            required=False,
            label=self._meta.labels["appointment_made_at"],
            input_formats=[f"{DATE_FORMAT} {TIME_FORMAT}", DATE_FORMAT],
            widget=forms.DateTimeInput(
                format=f"{DATE_FORMAT} {TIME_FORMAT}", attrs={"placeholder": "dd/mm/yyyy HH:MM"}
            ),
            help_text="Optional: when the family was phoned or the letter sent.",
            error_messages={"invalid": "Enter the date and time as dd/mm/yyyy HH:MM, for example 20/11/2026 14:30."},
        )
        if school.slt_discussion_required:
            f["slt_consulted"] = StaffChoiceField(
                queryset=slt_members(school),
                label=self._meta.labels["slt_consulted"],
                help_text=f"{school.name} discusses every home visit with a member of SLT first.",
                error_messages={
                    "required": "Name the member of SLT the visit was discussed with: this school requires it.",
                    "invalid_choice": "Choose a member of this school's senior leadership team.",
                },
            )
        else:
            del f["slt_consulted"]
        # Asked for only when needed (request_fields.SHOWN_WHEN): marked * on the page, but
        # checked by `clean()` (see `full_clean`), in these fields' own words.
        for name in SHOWN_WHEN:
            if name in f:
                f[name].required = name in REQUIRED_WHEN_SHOWN
        cutoff = f"{school.evening_cutoff:%H:%M}"
        f["evening_confirmed"].help_text = (
            f"This visit starts or ends after {cutoff}. The policy strongly recommends no evening visits; "
            "the safeguarding lead is asked to confirm it too."
        )
        f["evening_confirmed"].error_messages["required"] = (
            f"This visit starts or ends after {cutoff}. The policy strongly recommends no evening visits: tick "
            "the box to confirm an evening visit is necessary, or choose an earlier time."
        )
        f["lone_visit_reason"].help_text = "The safeguarding lead must approve lone working."
        f["lone_visit_reason"].error_messages["required"] = (
            f"{school.name} requires visits in pairs: choose who goes with the lead visitor, or say why this "
            "visit must be made alone."
            if school.pairs_required
            else "Say why this visit will be made alone, or choose who goes with the lead visitor."
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = self._layout()

    def _layout(self) -> Layout:
        f = self.fields
        return Layout(
            Fieldset(
                "1. Staff carrying out the visit",
                Row(Column("lead_visitor", css_class="col-md-6"), Column("lead_visitor_role", css_class="col-md-6")),
                InlineRadios(SECOND_PERSON),
                Row(
                    _shown("second_visitor", "col-md-6", column=True),
                    _shown("second_visitor_role", "col-md-6", column=True),
                ),
                Row(
                    _shown("agency_worker_name", "col-md-4", column=True),
                    _shown("agency_worker_organisation", "col-md-4", column=True),
                    _shown("agency_worker_phone", "col-md-4", column=True),
                ),
                _shown("lone_visit_reason"),
            ),
            Fieldset(
                "2. Person being visited",
                Row(Column("contact", css_class="col-md-6"), Column("person_visited", css_class="col-md-6")),
            ),
            Fieldset(
                "3. Visited home address",
                Row(Column("address_line1", css_class="col-md-6"), Column("address_line2", css_class="col-md-6")),
                Row(Column("town", css_class="col-md-6"), Column("postcode", css_class="col-md-3")),
            ),
            Fieldset("4. Pupil(s)", "pupils"),
            Fieldset(
                "5. Reason for calling",
                InlineRadios("visit_type"),
                Div("reasons", css_class="reason-columns"),
                "reason_detail",
                "purpose",
                _shown("why_not_in_school"),
            ),
            Fieldset(
                "6. Date and time",
                Row(
                    Column("visit_date", css_class="col-sm-4"),
                    Column("start_time", css_class="col-sm-4"),
                    Column("end_time", css_class="col-sm-4"),
                ),
                _shown("evening_confirmed", "evening-confirm"),
            ),
            Fieldset(
                "7. Telling the family",
                InlineRadios("informed"),
                _shown("not_informed_exception"),
                Row(
                    _shown("appointment_method", "col-md-6", column=True),
                    _shown("appointment_made_at", "col-md-6", column=True),
                ),
            ),
            Fieldset("8. Before you go", "people_to_see", "briefing"),
            Fieldset(
                "9. Safety",
                Row(
                    *([Column("code_word", css_class="col-md-6")] if "code_word" in f else []),
                    *([Column("slt_consulted", css_class="col-md-6")] if "slt_consulted" in f else []),
                ),
            ),
            Fieldset("10. Comments", "comments"),
        )

    def _printed_text(self, values: dict[str, Any]) -> str:
        """What the letter and the copy left at the home may print of a request starting from
        `values`: a suggested code word is never part of it (hc11)."""
        contacts = " ".join(f"{c.first_name} {c.last_name}" for c in self.household.contacts.all())
        printed = " ".join(str(values.get(name) or "") for name in PRINTED_FOR_FAMILY)
        return f"{self.household.name} {contacts} {printed}"

    def _roles_from_profiles(self, initial: dict[str, Any]) -> None:
        """hc06: each visitor's job role starts as the job title on their profile."""
        for person, role in (("lead_visitor", "lead_visitor_role"), ("second_visitor", "second_visitor_role")):
            chosen = initial.get(person)
            if chosen and not initial.get(role):
                user = chosen if isinstance(chosen, User) else User.objects.filter(pk=chosen).first()
                initial[role] = user.job_title if user else ""

    def full_clean(self) -> None:
        # A field needed only after an answer is not required by itself: `clean()` asks for it
        # when the answers make it needed (`_ask_only_what_applies`).
        marked = [name for name in REQUIRED_WHEN_SHOWN if name in self.fields]
        for name in marked:
            self.fields[name].required = False
        try:
            super().full_clean()
        finally:
            for name in marked:
                self.fields[name].required = True

    def _post_clean(self) -> None:
        # The model's own checks run in the lifecycle (create_request / update_request), whose
        # ValidationError the view puts back on this form; the instance is not touched here.
        pass

    def check_code_word_not_printed(self, data: dict[str, Any]) -> None:
        """hc11: the name and address are printed on the letter and the copy left at the home, so the
        code word may not be part of them."""
        code_word = data.get("code_word") if "code_word" in self.fields else getattr(self.visit, "code_word", "")
        printed = " ".join(str(data.get(name) or "") for name in PRINTED_FOR_FAMILY)
        if not code_words.contains(printed, code_word or ""):
            return
        if "code_word" in self.fields:
            self.add_error(
                "code_word", "Choose another code word: this one is in the name or address printed for the family."
            )
        else:
            self.add_error(
                None, "The name or address holds the visit's code word: ask the office to agree another code word."
            )

    def _who_goes(self, data: dict[str, Any]) -> tuple[str, bool]:
        """The answer to "who goes with the lead visitor?", and whether it was said twice over. A
        post without it (an older page) says it by what it filled in, and may name both a member
        of staff and an agency worker, which is refused."""
        answer = data.get(SECOND_PERSON)
        if answer in (STAFF, AGENCY, ALONE):
            return answer, False
        staff, agency = data.get("second_visitor"), (data.get("agency_worker_name") or "").strip()
        return (STAFF if staff else AGENCY if agency else ALONE), bool(staff and agency)

    def _ask_only_what_applies(self, data: dict[str, Any], start: dt.datetime | None, end: dt.datetime | None) -> None:
        """`request_fields.SHOWN_WHEN`: a field needed by the answers and left blank is asked for by
        its own message; a field not needed is dropped, whatever was left in it."""
        evening = bool(start and end and is_evening(self.school, start, end))
        answers = {**data, EVENING: YES if evening else NO}
        for name in SHOWN_WHEN:
            if name not in self.fields:
                continue
            field = self.fields[name]
            if not needed(name, answers):
                data[name] = _blank(field)
                self._forget_errors(name)
                continue
            value = data.get(name)
            empty = not value.strip() if isinstance(value, str) else not value
            if name in REQUIRED_WHEN_SHOWN and empty and name not in self.errors:
                self.add_error(name, field.error_messages["required"])

    def _forget_errors(self, name: str) -> None:
        """What was left in a field that does not apply is not judged: its errors go, but for a
        control character, refused wherever it is typed (homevisits.validators)."""
        if name not in self._errors:
            return
        kept = [e for e in self._errors[name].data if getattr(e, "code", None) == "control_characters"]
        if kept:
            self._errors[name].data = kept
        else:
            del self._errors[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        now = timezone.now()

        # Date and time: British input, school (Europe/London) time.
        day, start_t, end_t = data.get("visit_date"), data.get("start_time"), data.get("end_time")
        start = end = None
        if day and start_t:
            start = timezone.make_aware(dt.datetime.combine(day, start_t))
        if day and end_t:
            end = timezone.make_aware(dt.datetime.combine(day, end_t))
        if start and end and end <= start:
            self.add_error("end_time", f"The visit must end after it starts ({start_t:%H:%M}).")
            end = None
        if start and data.get("visit_type") == VisitType.PLANNED and start < now:
            self.add_error(
                "visit_date",
                "This date and time has already passed. A planned visit must be booked for the future "
                "(an emergency visit happening now can be recorded as an emergency).",
            )
        data["scheduled_start"], data["expected_end"] = start, end

        # Person being visited: a contact of the household, or a typed name.
        if not (data.get("person_visited") or "").strip():
            if data.get("contact"):
                data["person_visited"] = str(data["contact"])
            else:
                self.add_error("person_visited", "Choose a contact of the household or type the name of the person.")

        # hc02: told in advance, or the exception that applies (asked for below, when not told).
        data["family_informed"] = data.get("informed") != NO
        data["informed"] = NO if not data["family_informed"] else YES

        # hc02, hc05, hc06, hc08, hc13: only what applies, and what applies answered.
        data[SECOND_PERSON], both = self._who_goes(data)
        self._ask_only_what_applies(data, start, end)
        if both:
            self.add_error(
                "agency_worker_name", "Choose a second member of staff or an outside-agency worker, not both."
            )

        # hc06: the people and their roles (from their profiles when left blank).
        lead, second = data.get("lead_visitor"), data.get("second_visitor")
        if lead and not (data.get("lead_visitor_role") or "").strip():
            if lead.job_title:
                data["lead_visitor_role"] = lead.job_title
            else:
                self.add_error("lead_visitor_role", "Enter the lead visitor's job role.")
        if second and not (data.get("second_visitor_role") or "").strip():
            data["second_visitor_role"] = second.job_title
        if lead and second and lead == second:
            self.add_error("second_visitor", "The second visitor must be a different person from the lead visitor.")

        self.check_code_word_not_printed(data)

        # A visitor already booked at that time.
        if start and end:
            self.add_clash_errors(data)
        return data

    def add_clash_errors(self, data: dict[str, Any] | None = None) -> bool:
        """Put "already booked" on each visitor who has another visit at that time; True if any.
        Called by `clean()`, and again by the view under a lock on the visitors just before
        saving, so that two people booking the same visitor at once cannot both succeed."""
        data = self.cleaned_data if data is None else data
        start, end = data.get("scheduled_start"), data.get("expected_end")
        found = False
        for name in ("lead_visitor", "second_visitor"):
            person = data.get(name)
            if person is None or start is None or end is None or name in self.errors:
                continue
            other = visits_clashing({person.pk}, start, end, exclude_pk=self.visit.pk if self.visit else None).first()
            if other is not None:
                self.add_error(name, clash_message(person, other))
                found = True
        return found

    def visitor_ids(self) -> list[int]:
        return sorted(
            {p.pk for p in (self.cleaned_data.get("lead_visitor"), self.cleaned_data.get("second_visitor")) if p}
        )

    def lifecycle_fields(self) -> dict[str, Any]:
        """The Visit fields for `lifecycle.create_request` / `update_request`."""
        data = self.cleaned_data
        names = [n for n in self._meta.fields if n in self.fields]
        fields = {name: data.get(name) for name in names}
        for text in (n for n, v in fields.items() if isinstance(v, str)):
            fields[text] = fields[text].strip()
        fields.update(
            scheduled_start=data["scheduled_start"],
            expected_end=data["expected_end"],
            family_informed=data["family_informed"],
        )
        return fields

    @property
    def is_evening_flagged(self) -> bool:
        return "evening_confirmed" in self.errors


# --- new-starter visits (mp03) -----------------------------------------------------------------

SLOT_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class NewStarterForm(PlainTextForm, forms.Form):
    """Many new-starter visits at once (mp03): pupils, dates, time slots and visitor pairs."""

    PAIRS = 3

    pupils = PupilChoiceField(
        queryset=Pupil.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Pupils",
        error_messages={"required": "Choose at least one pupil."},
    )
    date_from = forms.DateField(
        label="First day",
        input_formats=[DATE_FORMAT, "%d/%m/%y"],
        widget=forms.DateInput(format=DATE_FORMAT, attrs={"placeholder": "dd/mm/yyyy"}),
        error_messages={"invalid": "Enter the date as dd/mm/yyyy."},
    )
    date_to = forms.DateField(
        label="Last day",
        input_formats=[DATE_FORMAT, "%d/%m/%y"],
        widget=forms.DateInput(format=DATE_FORMAT, attrs={"placeholder": "dd/mm/yyyy"}),
        error_messages={"invalid": "Enter the date as dd/mm/yyyy."},
    )
    slots = forms.CharField(
        label="Start times each day",
        initial="09:30, 10:30, 13:30",
        help_text="24-hour clock, separated by commas. Visits are booked Monday to Friday only.",
    )
    duration = forms.IntegerField(label="Length of each visit (minutes)", min_value=15, max_value=240, initial=45)
    purpose = forms.CharField(
        label="Purpose",
        widget=forms.Textarea(attrs={"rows": 2}),
        initial="Meet the family and the child before they start school, and answer their questions.",
    )
    submit_now = forms.ChoiceField(
        label="When saving",
        choices=[("draft", "Save as drafts (send to the lead later)"), ("submit", "Send to the safeguarding lead")],
        widget=forms.RadioSelect,
        initial="draft",
    )

    def __init__(self, *args: Any, school: School, pupils: QuerySet[Pupil], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.school = school
        self.fields["pupils"].queryset = pupils
        staff = visiting_staff(school)
        pair_fields = []
        for i in range(1, self.PAIRS + 1):
            for part, label in (("lead", "Lead visitor"), ("second", "Second visitor")):
                self.fields[f"{part}_{i}"] = StaffChoiceField(
                    queryset=staff,
                    required=i == 1,
                    label=f"Pair {i}: {label.lower()}",
                    error_messages={
                        "required": f"Choose the {label.lower()} of the first pair.",
                        "invalid_choice": f"The {label.lower()} must be visiting staff at {school.name}.",
                    },
                )
            pair_fields.append(
                Row(Column(f"lead_{i}", css_class="col-md-6"), Column(f"second_{i}", css_class="col-md-6"))
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset("1. Pupils", "pupils"),
            Fieldset(
                "2. Dates and times",
                Row(
                    Column("date_from", css_class="col-sm-6 col-lg-3"),
                    Column("date_to", css_class="col-sm-6 col-lg-3"),
                    Column("slots", css_class="col-sm-6 col-lg-4"),
                    Column("duration", css_class="col-sm-6 col-lg-2"),
                ),
            ),
            Fieldset("3. Visitor pairs", *pair_fields),
            Fieldset("4. Purpose and saving", "purpose", "submit_now"),
        )

    def clean_slots(self) -> list[dt.time]:
        times = []
        for raw in (s.strip() for s in self.cleaned_data["slots"].replace(";", ",").split(",")):
            if not raw:
                continue
            match = SLOT_RE.match(raw)
            if not match:
                raise ValidationError(f"'{raw}' is not a time: write times like 09:30, 13:15, separated by commas.")
            times.append(dt.time(int(match[1]), int(match[2])))
        if not times:
            raise ValidationError("Enter at least one start time, for example 09:30.")
        return sorted(set(times))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", "The last day must be on or after the first day.")
            elif (end - start).days > 92:
                self.add_error("date_to", "Choose a range of at most three months.")
            if start < timezone.localdate():
                self.add_error("date_from", "The first day has already passed.")
        pairs = []
        for i in range(1, self.PAIRS + 1):
            lead, second = data.get(f"lead_{i}"), data.get(f"second_{i}")
            if lead is None and second is None:
                continue
            if lead is None or second is None:
                self.add_error(f"second_{i}" if second is None else f"lead_{i}", "Choose both people of this pair.")
                continue
            if lead == second:
                self.add_error(f"second_{i}", "Choose two different people.")
                continue
            pairs.append((lead, second))
        data["pairs"] = pairs
        return data
