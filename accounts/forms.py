"""Forms of the accounts pages: a member of staff, their roles, a school and its policy settings,
and a person's own profile. They validate, in words a school secretary understands; the services
in `accounts.staff` make the changes (STYLE.md practice 12)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator

from homevisits.validators import PlainTextForm
from visits.models import School, Trust, User

from .staff import SETTINGS

YES_NO = [(True, "Yes"), (False, "No")]


def _helper(submit: str) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.add_input(Submit("submit", submit, css_class="btn-touch"))
    return helper


def _yes_no(label: str, help_text: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=lambda value: value in (True, "True"),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose yes or no."},
    )


def _roles_field(choices: list[tuple[str, str]], initial=None) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label="Roles at this school",
        choices=choices,
        initial=initial,
        widget=forms.CheckboxSelectMultiple,
        help_text="Visiting staff go on visits; office staff book them and watch the day board; safeguarding "
        "leads and deputies authorise them; the head sees the school's visits and manages its staff.",
        error_messages={
            "required": "Choose at least one role.",
            "invalid_choice": "Choose roles from the list: only a trust administrator gives the trust administrator role.",
        },
    )


MOBILE_HELP = (
    "The work mobile carried on visits. The office rings it if a visit runs late, and reads it to the "
    "police if the code word is used."
)
DESCRIPTION_HELP = (
    "What the office reads to the police if the code word is used: for example your height, "
    "hair, glasses, the coat you usually wear, and your car's make, colour and registration."
)


class StaffAddForm(PlainTextForm, forms.ModelForm):
    """A new member of staff. No password: they are sent a link to set their own."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "job_title", "mobile", "description"]
        labels = {
            "username": "Username",
            "first_name": "First name",
            "last_name": "Last name",
            "email": "Work e-mail",
            "job_title": "Job title (optional)",
            "mobile": "Work mobile (optional)",
            "description": "Description for the police (optional)",
        }
        help_texts = {
            "username": "What they sign in with, for example firstname.lastname. Letters, digits and . @ + - _ only.",
            "email": "The link to set their password goes here, and so do their alerts.",
            "mobile": MOBILE_HELP,
            "description": DESCRIPTION_HELP + " They can fill it in themselves under 'My profile'.",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, role_choices: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "email"):
            self.fields[name].required = True
        self.fields["first_name"].error_messages["required"] = "Enter their first name."
        self.fields["last_name"].error_messages["required"] = "Enter their last name."
        self.fields["email"].error_messages["required"] = (
            "Enter their work e-mail: the link to set a password goes there."
        )
        self.fields["username"].widget.attrs.update({"autocapitalize": "none", "autocomplete": "off"})
        self.fields["roles"] = _roles_field(role_choices)
        self.helper = _helper("Add and send the password link")

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        UnicodeUsernameValidator()(username)
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken. Choose another, for example with a middle initial.")
        return username

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "Another account already uses this e-mail address. If this person works at another school "
                "of the trust, ask the trust administrator to give them a role here."
            )
        return email

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class RolesForm(PlainTextForm, forms.Form):
    def __init__(self, *args, role_choices: list[tuple[str, str]], current: set[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        offered = {value for value, _ in role_choices}
        self.fields["roles"] = _roles_field(role_choices, initial=sorted(current & offered))
        self.fields["roles"].required = False
        self.helper = _helper("Save roles")


class SchoolForm(PlainTextForm, forms.ModelForm):
    """A new school of the trust: the trust administrator's simple form (the web address is made
    from the name; the policy settings start at their defaults and the head changes them)."""

    class Meta:
        model = School
        fields = ["name", "phone", "email", "address"]
        labels = {"name": "School name", "phone": "Office phone", "email": "Office e-mail (optional)"}
        help_texts = {"phone": "The number visitors ring with their arrival and leaving calls."}
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "name": {"required": "Enter the school's name."},
            "phone": {"required": "Enter the school office's phone number."},
        }

    def __init__(self, *args, trusts: list[Trust], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if len(trusts) > 1:
            self.fields["trust"] = forms.ModelChoiceField(
                queryset=Trust.objects.filter(pk__in=[t.pk for t in trusts]),
                empty_label="Choose the trust",
                error_messages={"required": "Choose the trust the school belongs to."},
            )
            self.order_fields(["trust"])
        self.trusts = trusts
        self.helper = _helper("Add the school")

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not any(ch.isalnum() for ch in name):
            raise forms.ValidationError("Enter the school's name in letters.")
        return name

    def trust(self) -> Trust:
        return self.cleaned_data.get("trust") or self.trusts[0]

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class SchoolSettingsForm(PlainTextForm, forms.ModelForm):
    """The school's policy settings, each with what it means (the clause it carries out)."""

    pairs_required = _yes_no(
        SETTINGS["pairs_required"],
        "HC 7: 'home visits should be conducted in pairs'. Yes: a lone visit needs a reason and the lead's "
        "explicit approval of lone working. No: pairs where possible (Mount Primary's wording).",
    )
    slt_discussion_required = _yes_no(
        SETTINGS["slt_discussion_required"],
        "Mount Primary: 'home visits should always be discussed with a member of SLT'. Yes: a request names the "
        "SLT member it was discussed with before a lead may authorise it.",
    )
    lead_may_authorise_own = _yes_no(
        SETTINGS["lead_may_authorise_own"],
        "Four eyes: No (recommended): a visit a lead requested or goes on is authorised by another lead or "
        "deputy. Yes only where the school has a single safeguarding lead.",
    )
    second_factor_for_all = _yes_no(
        SETTINGS["second_factor_for_all"],
        "Leads, deputies, the head and trust administrators always sign in with an authenticator app as well as "
        "their password. Yes (recommended): everyone else at the school does too, at their next sign-in.",
    )

    class Meta:
        model = School
        fields = [
            "pairs_required",
            "evening_cutoff",
            "overdue_grace_minutes",
            "travel_minutes",
            "acknowledge_minutes",
            "day_end",
            "slt_discussion_required",
            "lead_may_authorise_own",
            "second_factor_for_all",
        ]
        labels = {name: SETTINGS[name] for name in SETTINGS}
        help_texts = {
            "evening_cutoff": "HC 11: 'it is strongly recommended that no one makes an evening home visit'. A visit "
            "starting or ending after this time is flagged, and the lead must confirm it is necessary.",
            "overdue_grace_minutes": "Mount Primary: 'If the member of staff does not return at the agreed time, then "
            "the school office will ring the mobile phone.' Minutes after a visit's expected end before it is overdue on the "
            "day board and the leads are alerted. 0 to 240.",
            "travel_minutes": "Minutes from leaving the property to being back at school (or ringing to say they are "
            "not coming back today) before the visitors count as not back. 5 to 240.",
            "acknowledge_minutes": "Minutes an alarm may go untaken on the day board before it goes to every "
            "safeguarding lead, and as long again before it goes to the head. 1 to 60.",
            "day_end": "A visit still open at this time is raised as an alarm: nobody is left out unaccounted "
            "for overnight. Must be later than the evening cut-off.",
        }
        widgets = {
            "evening_cutoff": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "day_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        error_messages = {
            "overdue_grace_minutes": {
                "min_value": "Enter 0 minutes or more.",
                "max_value": "Enter at most 240 minutes (4 hours).",
                "invalid": "Enter a whole number of minutes.",
                "required": "Enter the number of minutes.",
            },
            "travel_minutes": {
                "min_value": "Enter at least 5 minutes.",
                "max_value": "Enter at most 240 minutes (4 hours).",
                "invalid": "Enter a whole number of minutes.",
                "required": "Enter the number of minutes.",
            },
            "acknowledge_minutes": {
                "min_value": "Enter at least 1 minute.",
                "max_value": "Enter at most 60 minutes.",
                "invalid": "Enter a whole number of minutes.",
                "required": "Enter the number of minutes.",
            },
            "evening_cutoff": {"invalid": "Enter a time such as 17:00.", "required": "Enter a time such as 17:00."},
            "day_end": {"invalid": "Enter a time such as 18:00.", "required": "Enter a time such as 18:00."},
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("Save settings")

    def clean(self) -> dict:
        data = super().clean()
        cutoff, day_end = data.get("evening_cutoff"), data.get("day_end")
        if cutoff and day_end and day_end <= cutoff:
            self.add_error(
                "day_end",
                "The end of the school's day must be later than the evening cut-off, or visits allowed before the "
                "cut-off would be raised as still open.",
            )
        return data

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ProfileForm(PlainTextForm, forms.ModelForm):
    class Meta:
        model = User
        fields = ["job_title", "mobile", "description"]
        labels = {"job_title": "Job title", "mobile": "Work mobile", "description": "Description for the police"}
        help_texts = {
            "job_title": "Your role on a visit: the booking form fills it in when you are chosen as a visitor.",
            "mobile": MOBILE_HELP,
            "description": DESCRIPTION_HELP,
        }
        widgets = {
            "job_title": forms.TextInput(attrs={"autocomplete": "organization-title"}),
            "mobile": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["description"].error_messages["max_length"] = "Keep it to 300 characters: the office reads it out."
        self.helper = _helper("Save my profile")

    def clean_mobile(self) -> str:
        return " ".join(self.cleaned_data["mobile"].split())

    def clean_description(self) -> str:
        return self.cleaned_data["description"].strip()

    def clean_job_title(self) -> str:
        return " ".join(self.cleaned_data["job_title"].split())

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
