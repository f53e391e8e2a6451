"""Forms for households, contacts, pupils and the MIS upload. They validate; views save.

Messages are written for a school secretary. The UK phone and postcode rules live on the models
(`uk_phone`, `uk_postcode`); `Household.save` puts the postcode in its usual form.
"""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone

from homevisits.validators import PlainTextForm

from .mis_import import MAX_BYTES
from .models import Contact, Household, Pupil, School

YES_NO = [(True, "Yes"), (False, "No")]
YEAR_GROUPS = ["Nursery", "Reception", *(f"Year {n}" for n in range(1, 14))]


def _yes_no(label: str, help_text: str = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=lambda value: value in (True, "True"),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose yes or no."},
    )


def _helper(submit: str) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", submit))
    return helper


class HouseholdForm(PlainTextForm, forms.ModelForm):
    class Meta:
        model = Household
        fields = ["name", "address_line1", "address_line2", "town", "postcode", "known_risks", "mis_id"]
        labels = {
            "name": "Household name",
            "address_line1": "Address line 1",
            "address_line2": "Address line 2 (optional)",
            "known_risks": "Known risks for visitors (optional)",
            "mis_id": "MIS household id (optional)",
        }
        help_texts = {
            "known_risks": "For example a dog, or a person visitors should not meet alone. Shown to visitors and leads.",
            "mis_id": "Only if your MIS export gives households an id; the MIS import matches households by it.",
        }
        widgets = {"known_risks": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "name": {"required": "Enter how the school refers to the household, for example 'Okafor family'."},
            "address_line1": {"required": "Enter the first line of the address."},
            "town": {"required": "Enter the town or city."},
            "postcode": {"required": "Enter the postcode."},
        }

    def __init__(self, *args, schools: list[School] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A person who manages households at more than one school says which school's it is.
        if self.instance.pk is None and schools and len(schools) > 1:
            self.fields["school"] = forms.ModelChoiceField(
                queryset=School.objects.filter(pk__in=[s.pk for s in schools]),
                empty_label="Choose the school",
                error_messages={"required": "Choose the school this household belongs to."},
            )
            self.order_fields(["school"])
        elif self.instance.pk is None and schools:
            self.instance.school = schools[0]
        self.fields["postcode"].widget.attrs.update({"autocapitalize": "characters", "class": "field-postcode"})
        self.helper = _helper("Save household")

    def clean_mis_id(self) -> str:
        return self.cleaned_data["mis_id"].strip()

    def clean(self) -> dict:
        data = super().clean()
        school = data.get("school") or getattr(self.instance, "school", None)
        if school is not None and "school" in data:
            self.instance.school = school
        mis_id = data.get("mis_id")
        if school is not None and mis_id:
            clash = Household.objects.filter(school=school, mis_id=mis_id).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("mis_id", "Another household of this school already has this MIS household id.")
        return data

    def validate_unique(self) -> None:
        # The MIS id is checked in clean() with a message; the school is not a form field.
        pass


class ContactForm(PlainTextForm, forms.ModelForm):
    parental_responsibility = _yes_no("Parental responsibility?", "Does this adult hold parental responsibility?")
    may_discuss_pupil = _yes_no(
        "May staff speak to this adult about the pupil?",
        "Yes for a parent, or for an adult a parent has said the school may talk to.",
    )

    class Meta:
        model = Contact
        fields = [
            "first_name",
            "last_name",
            "relationship",
            "parental_responsibility",
            "may_discuss_pupil",
            "phone",
            "mobile",
            "email",
        ]
        labels = {"phone": "Phone (optional)", "mobile": "Mobile (optional)", "email": "Email (optional)"}
        help_texts = {"relationship": "To the pupil(s), for example Mother, Grandfather, Foster carer."}
        error_messages = {
            "first_name": {"required": "Enter the contact's first name."},
            "last_name": {"required": "Enter the contact's last name."},
            "relationship": {"required": "Enter how this adult is related to the pupil, for example Mother."},
            "email": {"invalid": "Enter an email address, for example name@example.com."},
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.initial.setdefault("may_discuss_pupil", True)
        for name in ("phone", "mobile"):
            self.fields[name].widget.attrs.update({"type": "tel", "autocomplete": "off"})
        self.helper = _helper("Save contact")


class PupilForm(PlainTextForm, forms.ModelForm):
    date_of_birth = forms.DateField(
        label="Date of birth",
        input_formats=["%d/%m/%Y"],
        help_text="dd/mm/yyyy, for example 23/04/2019.",
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "class": "field-date"}),
        error_messages={
            "required": "Enter the date of birth.",
            "invalid": "Enter the date of birth as dd/mm/yyyy, for example 23/04/2019.",
        },
    )
    year_group = forms.ChoiceField(label="Year group", error_messages={"required": "Choose the year group."})

    class Meta:
        model = Pupil
        fields = ["first_name", "last_name", "date_of_birth", "year_group", "mis_id"]
        labels = {"mis_id": "MIS id (optional)"}
        help_texts = {"mis_id": "The pupil's id in your MIS, so that a later MIS import updates this pupil."}
        error_messages = {
            "first_name": {"required": "Enter the pupil's first name."},
            "last_name": {"required": "Enter the pupil's last name."},
        }

    def __init__(self, *args, school: School, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.school = school
        choices = [("", "Choose")] + [(y, y) for y in YEAR_GROUPS]
        current = self.instance.year_group
        if current and current not in YEAR_GROUPS:
            choices.append((current, current))  # a value from an MIS import is kept as it is
        self.fields["year_group"].choices = choices
        self.helper = _helper("Save pupil")

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born > today:
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if born.year < today.year - 25:
            raise forms.ValidationError("That date of birth is more than 25 years ago: check the year.")
        return born

    def clean_mis_id(self) -> str:
        mis_id = self.cleaned_data["mis_id"].strip()
        if mis_id and Pupil.objects.filter(school=self.school, mis_id=mis_id).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another pupil of this school already has this MIS id.")
        return mis_id

    def validate_unique(self) -> None:
        # The MIS id is checked in clean_mis_id() with a message; the school is not a form field.
        pass


class ImportUploadForm(PlainTextForm, forms.Form):
    file = forms.FileField(
        label="CSV export from your MIS",
        help_text=f"A .csv file of at most {MAX_BYTES // 1024 // 1024} MB. Nothing is saved until you confirm.",
        error_messages={"required": "Choose the CSV file to upload.", "empty": "The file is empty."},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, schools: list[School], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if len(schools) > 1:
            self.fields["school"] = forms.ModelChoiceField(
                queryset=School.objects.filter(pk__in=[s.pk for s in schools]),
                empty_label="Choose the school",
                error_messages={"required": "Choose the school the pupils belong to."},
            )
            self.order_fields(["school", "file"])
        self.schools = schools
        self.helper = FormHelper()
        self.helper.form_tag = False  # the template holds the form, its button and progress bar

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the largest you can import is "
                f"{MAX_BYTES // 1024 // 1024} MB. Split it into smaller files (for example one per year group)."
            )
        return upload

    def school(self) -> School:
        return self.cleaned_data.get("school") or self.schools[0]
