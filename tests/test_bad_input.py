"""Bad input is never a 500 (issue 14, item 7): a NUL byte or another control character in a query
string, in a value a view reads outside a form, or in any field of any form of the project, is
answered with a form error or a 400 page with a plain message, and changes nothing.

PostgreSQL refuses NUL in text, so these run there (the marks say so): on SQLite a NUL is stored
and the bug would hide.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import logging
from pathlib import Path

import pytest
from django import forms
from django.apps import apps as django_apps
from django.conf import settings
from django.forms.forms import BaseForm
from django.urls import reverse

from homevisits.validators import MESSAGE, PlainTextForm, has_control_characters
from safeguarding.forms import RISK_ROW_FIELDS, RiskRowsForm
from tests.clock import london
from tests.factories import make_trust, template_rows
from tests.second_factor import code_for, give_app
from visits.enums import Role, Status
from visits.models import AuditEntry, Contact, Pupil, RecordDraft, Visit, VisitEvent

pytestmark = pytest.mark.postgres

NUL = "\x00"
# A NUL byte and the other kinds refused: a C0 control (the escape key), DEL.
BAD = ["a\x00b", "a\x1bb", "a\x7fb"]


@pytest.fixture(autouse=True)
def no_nul_reached_the_database(caplog):
    """Every value is checked where it is read: the middleware's last net (a NUL that reached the
    database, answered 400 all the same) must not be what caught it."""
    caplog.set_level(logging.ERROR, logger="homevisits.middleware")
    yield
    assert [r.getMessage() for r in caplog.records if r.name == "homevisits.middleware"] == []


def shown(response) -> str:
    return response.content.decode()


def said(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_the_rule_refuses_nul_c0_and_del_but_keeps_tab_and_new_lines():
    # Assert
    assert all(has_control_characters(value) for value in BAD)
    assert not has_control_characters("Line one\r\nLine two\tand a tab, £5, café, 😀")


# --- query strings: a 400 page with a plain message, before any view -----------------------------------

QUERY_PAGES = [
    ("safeguarding:risk_template", "lead", "school"),
    ("safeguarding:queue", "lead", "school"),
    ("safeguarding:concerns", "lead", "school"),
    ("safeguarding:concerns", "lead", "tab"),
    ("safeguarding:cpoms", "lead", "school"),
    ("safeguarding:cpoms", "lead", "show"),
    ("visits:households", "office", "q"),
    ("visits:households", "office", "show"),
    ("visits:today", "office", "day"),
    ("visits:today", "office", "after"),
    ("visits:mine", "visitor", "show"),
    ("visits:mine", "visitor", "before"),
    ("visits:new", "office", "school"),
    ("visits:new", "office", "household"),
    ("visits:new", "office", "q"),
    ("visits:new_starters", "office", "year"),
    ("login", None, "next"),
]


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize(("url_name", "who", "param"), QUERY_PAGES)
def test_a_control_character_in_a_query_string_is_a_400_with_a_plain_message(
    cast, login, client, url_name, who, param, bad
):
    # Arrange
    browser = login(getattr(cast, who)) if who else client

    # Act
    response = browser.get(reverse(url_name), {param: bad})

    # Assert
    assert response.status_code == 400
    assert "hidden control character" in shown(response)


def test_a_nul_in_a_query_string_key_is_refused_too(cast, login):
    # Act
    response = login(cast.lead).get(reverse("safeguarding:risk_template") + "?sch%00ool=x")

    # Assert
    assert response.status_code == 400


@pytest.mark.parametrize("bad", ["%00", "%1B", "%7F"])
@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/feeds/abc{}def.ics", None),
        ("/accounts/staff/holy{}cross/", "head"),
        ("/accounts/school/holy{}cross/settings/", "head"),
        ("/accounts/staff/{{school}}/person/office{}hc/", "head"),
        ("/visits/board/{}/", "office"),
    ],
)
def test_a_control_character_in_a_pages_path_is_a_400_with_a_plain_message(cast, login, client, path, who, bad):
    # Arrange: a path a str converter would take (a feed's token, a school's key, a username).
    browser = login(getattr(cast, who)) if who else client

    # Act
    response = browser.get(path.format(bad).replace("{school}", cast.school.slug))

    # Assert
    assert response.status_code == 400
    assert "hidden control character" in shown(response)


# --- values views read outside a form ------------------------------------------------------------------


@pytest.mark.parametrize("bad", BAD)
def test_a_cancellation_note_with_a_nul_cancels_nothing_and_says_why(cast, login, bad):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)
    events = VisitEvent.objects.filter(visit=visit).count()

    # Act
    response = login(cast.office).post(reverse("visits:cancel", args=[visit.code]), {"note": bad}, follow=True)

    # Assert
    assert response.status_code == 200
    assert Visit.objects.get(pk=visit.pk).status == Status.REQUESTED
    assert VisitEvent.objects.filter(visit=visit).count() == events
    assert any(MESSAGE in m for m in said(response))


@pytest.mark.clock(london(2026, 11, 11, 10, 0))
@pytest.mark.parametrize("field", ["reason", "note"])
def test_an_extension_reason_with_a_nul_extends_nothing_and_says_why(cast, login, field):
    # Arrange
    end = london(2026, 11, 11, 10, 30)
    visit = cast.make_visit(Status.IN_PROGRESS, start=end - dt.timedelta(hours=1), expected_end=end)

    # Act
    response = login(cast.visitor).post(
        reverse("visits:extend", args=[visit.code]), {"minutes": "15", field: "Still here" + NUL}, follow=True
    )

    # Assert
    assert response.status_code == 200
    assert Visit.objects.get(pk=visit.pk).expected_end == end
    assert any(MESSAGE in m for m in said(response))


@pytest.mark.parametrize(("step", "field"), [("rang_mobile", "reference"), ("resolved", "outcome")])
def test_an_alarm_step_with_a_nul_records_nothing_and_says_why(cast, login, step, field):
    # Arrange: a visit on the road, overdue (its alarm open).
    visit = cast.make_visit(
        Status.IN_PROGRESS, start=london(2026, 11, 11, 8, 0), expected_end=london(2026, 11, 11, 9, 0)
    )
    events = VisitEvent.objects.filter(visit=visit).count()

    # Act
    response = login(cast.office).post(
        reverse(f"visits:{'alarm_resolved' if step == 'resolved' else step}", args=[visit.code]),
        {"answered": "yes", field: "x" + NUL},
        follow=True,
    )

    # Assert
    assert response.status_code == 200
    assert VisitEvent.objects.filter(visit=visit).count() == events
    assert any(MESSAGE in m for m in said(response))


def test_a_nul_in_the_second_factors_next_address_is_not_followed(cast, login):
    # Arrange: the second-factor page, asked again (step-up), the right code typed.
    client = login(cast.lead)
    code = code_for(give_app(cast.lead))

    # Act: with a NUL in where to go next.
    response = client.post(reverse("accounts:second_factor"), {"code": code, "next": "/queue/" + NUL})

    # Assert: on to the home page instead.
    assert (response.status_code, response["Location"]) == (302, reverse(settings.LOGIN_REDIRECT_URL))


def test_a_nul_in_a_boards_next_address_is_not_followed(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS, start=london(2026, 11, 11, 11, 5))

    # Act
    response = login(cast.office).post(reverse("visits:arrived", args=[visit.code]), {"next": "/visits/board/" + NUL})

    # Assert
    assert response.status_code == 302
    assert response["Location"] == reverse("visits:detail", args=[visit.code])


@pytest.mark.parametrize(
    "data",
    [
        {"from_status": NUL, "seen_version": NUL},
        {"from_status": Status.REQUESTED, "seen_version": "1" + NUL},
    ],
)
def test_a_nul_in_a_decisions_hidden_fields_decides_nothing(cast, login, data):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)

    # Act
    response = login(cast.lead).post(reverse("safeguarding:authorise", args=[visit.code]), data, follow=True)

    # Assert
    assert response.status_code in {200, 400}
    assert Visit.objects.get(pk=visit.pk).status == Status.REQUESTED


def test_a_nul_in_bulk_authorisation_authorises_nothing(cast, login):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)

    # Act
    response = login(cast.lead).post(
        reverse("safeguarding:bulk_authorise"),
        {"visits": [NUL, str(visit.code)], f"version-{visit.code}": NUL},
        follow=True,
    )

    # Assert
    assert response.status_code in {200, 400}
    assert Visit.objects.get(pk=visit.pk).status == Status.REQUESTED


@pytest.mark.parametrize(
    "data", [{"scope": NUL}, {"scope": "school", "school": NUL}, {"scope": "visitor", "school": NUL}]
)
def test_a_nul_in_the_diary_feed_form_makes_no_feed(cast, login, data):
    # Arrange
    audit_rows = AuditEntry.objects.count()

    # Act
    response = login(cast.office).post(reverse("safeguarding:feed_create"), data, follow=True)

    # Assert
    assert response.status_code in {200, 400}
    assert AuditEntry.objects.filter(object_type="calendar_feed").count() == 0
    assert AuditEntry.objects.count() >= audit_rows


@pytest.mark.parametrize("data", [{"year": NUL}, {"year": "Reception", "plan": NUL, "confirm": "1"}])
def test_a_nul_on_the_new_starter_page_creates_nothing(cast, login, data):
    # Arrange
    visits = Visit.objects.count()

    # Act
    response = login(cast.office).post(reverse("visits:new_starters"), data)

    # Assert
    assert response.status_code in {200, 400}
    assert Visit.objects.count() == visits


def test_a_nul_in_a_record_draft_is_refused_with_a_plain_message(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS, start=london(2026, 11, 11, 11, 5))

    # Act
    response = login(cast.visitor).post(
        reverse("visits:record_draft", args=[visit.code]), '{"notes": "Dog\\u0000"}', content_type="application/json"
    )

    # Assert
    assert response.status_code == 400
    assert response.json()["error"] == MESSAGE
    assert not RecordDraft.objects.filter(visit=visit).exists()


def test_a_nul_in_a_record_drafts_version_header_is_refused(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS, start=london(2026, 11, 11, 11, 5))

    # Act
    response = login(cast.visitor).post(
        reverse("visits:record_draft", args=[visit.code]),
        '{"notes": "Dog"}',
        content_type="application/json",
        headers={"X-Record-Version": "1" + NUL},
    )

    # Assert
    assert response.status_code in {200, 400}


# --- every form of the project: a NUL or a control character in each text field is a form error ---------


def _plain(name: str):
    """The builder of a form its view makes from the data alone."""
    return lambda c, data: _form(name)(data)


def _for_schools(name: str):
    """The builder of a report's form, made for the schools the person may report on."""
    return lambda c, data: _form(name)(data, school_ids=[c.school.pk])


# How each view builds its form (the keyword arguments it passes), from the cast. A new form of the
# project fails `test_every_form_of_the_project_is_tried` until it has a line here.
FORM_BUILDERS = {
    "visits.forms.VisitForm": lambda c, data: _form("visits.forms.VisitForm")(
        data, school=c.school, household=c.household
    ),
    "visits.forms.NewStarterForm": lambda c, data: _form("visits.forms.NewStarterForm")(
        data, school=c.school, pupils=Pupil.objects.filter(school=c.school)
    ),
    "visits.record_forms.PresenceForm": lambda c, data: _form("visits.record_forms.PresenceForm")(data),
    "visits.record_forms.NotConductedForm": lambda c, data: _form("visits.record_forms.NotConductedForm")(data),
    "visits.record_forms.RecordForm": lambda c, data: _form("visits.record_forms.RecordForm")(
        data, visit=c.make_visit(Status.IN_PROGRESS, start=london(2026, 11, 11, 11, 5))
    ),
    "visits.household_forms.HouseholdForm": lambda c, data: _form("visits.household_forms.HouseholdForm")(
        data, schools=[c.school, c.other_school]
    ),
    "visits.household_forms.ContactForm": lambda c, data: _form("visits.household_forms.ContactForm")(
        data, instance=Contact(household=c.household)
    ),
    "visits.household_forms.PupilForm": lambda c, data: _form("visits.household_forms.PupilForm")(
        data, instance=Pupil(household=c.household, school=c.school), school=c.school
    ),
    "visits.household_forms.ImportUploadForm": lambda c, data: _form("visits.household_forms.ImportUploadForm")(
        data, schools=[c.school]
    ),
    "visits.views.signature.SignatureForm": lambda c, data: _form("visits.views.signature.SignatureForm")(data),
    "visits.views.staff_signature.StaffSignatureForm": lambda c, data: _form(
        "visits.views.staff_signature.StaffSignatureForm"
    )(data),
    "safeguarding.forms.DecisionForm": lambda c, data: _form("safeguarding.forms.DecisionForm")(
        data, action="authorise", high_risk=True
    ),
    "safeguarding.forms.RiskRowsForm": lambda c, data: _form("safeguarding.forms.RiskRowsForm")(data),
    "safeguarding.forms.RaiseConcernForm": lambda c, data: _form("safeguarding.forms.RaiseConcernForm")(
        data, visit=c.make_visit(Status.IN_PROGRESS, start=london(2026, 11, 11, 11, 5))
    ),
    "safeguarding.forms.ReportIncidentForm": lambda c, data: _form("safeguarding.forms.ReportIncidentForm")(data),
    "safeguarding.forms.ConcernActionForm": lambda c, data: _form("safeguarding.forms.ConcernActionForm")(data),
    "safeguarding.forms.CloseConcernForm": lambda c, data: _form("safeguarding.forms.CloseConcernForm")(data),
    "safeguarding.forms.ReviewIncidentForm": lambda c, data: _form("safeguarding.forms.ReviewIncidentForm")(data),
    "safeguarding.forms.CpomsForm": lambda c, data: _form("safeguarding.forms.CpomsForm")(data),
    "safeguarding.forms.AuditFilterForm": lambda c, data: _form("safeguarding.forms.AuditFilterForm")(
        data, schools=[c.school.pk]
    ),
    "homevisits.forms.LoginForm": lambda c, data: _form("homevisits.forms.LoginForm")(None, data=data),
    "accounts.forms.StaffAddForm": lambda c, data: _form("accounts.forms.StaffAddForm")(
        data, role_choices=Role.choices
    ),
    "accounts.forms.RolesForm": lambda c, data: _form("accounts.forms.RolesForm")(
        data, role_choices=Role.choices, current=set()
    ),
    "accounts.forms.SchoolForm": lambda c, data: _form("accounts.forms.SchoolForm")(
        data, trusts=[c.school.trust, make_trust("Other Trust")]
    ),
    "accounts.forms.SchoolSettingsForm": lambda c, data: _form("accounts.forms.SchoolSettingsForm")(
        data, instance=c.school
    ),
    "accounts.forms.ProfileForm": lambda c, data: _form("accounts.forms.ProfileForm")(data, instance=c.visitor),
    "accounts.reset.ResetRequestForm": lambda c, data: _form("accounts.reset.ResetRequestForm")(data),
    # Records (issue 17): reports, retention, subject access and leavers.
    **{
        f"reports.forms.{name}": _for_schools(f"reports.forms.{name}")
        for name in (
            "PeriodForm",
            "TrustReportForm",
            "SchoolReportForm",
            "VisitListForm",
            "GovernorsForm",
            "SchoolPickForm",
        )
    },
    "reports.forms.TermForm": lambda c, data: _form("reports.forms.TermForm")(data, school=c.school),
    **{
        f"retention.forms.{name}": _plain(f"retention.forms.{name}")
        for name in ("KeepForm", "HoldForm", "ReleaseForm", "EraseForm", "PolicyForm")
    },
    "disclosure.forms.RequestForm": lambda c, data: _form("disclosure.forms.RequestForm")(data, subject_kind="pupil"),
    **{
        f"disclosure.forms.{name}": _plain(f"disclosure.forms.{name}")
        for name in ("CloseRequestForm", "LeaverForm", "SentForm", "ReceivedForm")
    },
    "accounts.second_factor_forms.CodeForm": lambda c, data: _form("accounts.second_factor_forms.CodeForm")(data),
    "accounts.second_factor_forms.SetupCodeForm": lambda c, data: _form("accounts.second_factor_forms.SetupCodeForm")(
        data
    ),
}

FORM_APPS = ("homevisits", "visits", "safeguarding", "accounts", "reports", "retention", "disclosure")
# Forms of choices, numbers, times and files only: nothing typed to refuse.
NO_TEXT_FIELDS = {
    "visits.household_forms.ImportUploadForm",
    "accounts.forms.RolesForm",
    "accounts.forms.SchoolSettingsForm",
    "reports.forms.PeriodForm",
    "reports.forms.TrustReportForm",
    "reports.forms.SchoolReportForm",
    "reports.forms.GovernorsForm",
    "reports.forms.SchoolPickForm",
    "retention.forms.PolicyForm",
    "disclosure.forms.CloseRequestForm",
    "disclosure.forms.SentForm",
    "disclosure.forms.ReceivedForm",
}


def _project_forms() -> dict[str, type]:
    """Every form class defined in a module of the project's apps (tests and migrations aside)."""
    root = Path(__file__).resolve().parents[1]
    found = {}
    for app in FORM_APPS:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts or "management" in path.parts:
                continue
            name = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
            module = importlib.import_module(name)
            for obj in vars(module).values():
                if inspect.isclass(obj) and issubclass(obj, BaseForm) and obj.__module__ == name:
                    found[f"{name}.{obj.__name__}"] = obj
    return found


PROJECT_FORMS = _project_forms()


def _form(name: str) -> type:
    return PROJECT_FORMS[name]


def test_every_form_of_the_project_is_tried():
    # Assert: a form without a builder above would go untried.
    assert sorted(PROJECT_FORMS) == sorted(FORM_BUILDERS)


def test_every_form_of_the_project_refuses_control_characters():
    # Act
    without = [name for name, form in PROJECT_FORMS.items() if not issubclass(form, PlainTextForm)]

    # Assert: the one rule reaches a form through the mixin; a form without it lets a control
    # character through to the database, the PDFs and CPOMS.
    assert without == [], f"add homevisits.validators.PlainTextForm to the bases of {without}"


def _text_fields(form) -> list[str]:
    return [name for name, field in form.fields.items() if isinstance(field, forms.CharField) and not field.disabled]


TRIED: dict[str, int] = {}


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("name", sorted(FORM_BUILDERS))
def test_a_control_character_in_each_text_field_of_each_form_is_a_form_error_on_that_field(cast, name, bad):
    # Arrange: the form as its view builds it, and its text fields (those it adds itself too).
    build = FORM_BUILDERS[name]
    empty = build(cast, {})
    fields = _text_fields(empty)
    assert bool(fields) != (name in NO_TEXT_FIELDS)

    # Act: the bad text in each field in turn, the others left as they are.
    errors = {field: build(cast, {empty.add_prefix(field): bad}).errors.get(field, []) for field in fields}

    # Assert: each field says why, once, in plain words.
    assert {field: [e for e in said if e == MESSAGE] for field, said in errors.items()} == {
        field: [MESSAGE] for field in fields
    }
    TRIED[name] = len(fields)


def test_a_control_character_in_a_risk_row_is_a_form_error_naming_the_row(cast):
    # Arrange
    data = {f"row-0-{k}": v for k, v in template_rows(cast.school)[0].items() if k in RISK_ROW_FIELDS}
    data["row-1-hazard"] = "Dog" + NUL

    # Act
    form = RiskRowsForm(data)

    # Assert
    assert not form.is_valid()
    assert form.non_field_errors() == [f"Row 2: {MESSAGE}"]


def test_how_many_forms_and_fields_were_tried(request):
    # Assert: the figure for the README (runs after the parametrized test when run in one process).
    if TRIED:
        print(f"\nbad input: {len(TRIED)} forms, {sum(TRIED.values())} text fields, {len(BAD)} kinds each")


# --- through the pages: the form shown again with the message, nothing written ------------------------


def _counts() -> dict[str, int]:
    """Rows in every table of visits and safeguarding but the audit trail (pages read are audited)."""
    return {
        model._meta.label: model._default_manager.count()
        for app in ("visits", "safeguarding")
        for model in django_apps.get_app_config(app).get_models()
        if model is not AuditEntry
    }


def _on_the_road(cast) -> Visit:
    return cast.make_visit(Status.IN_PROGRESS, start=london(2026, 11, 11, 11, 5))


# (the page's URL name and what it is about, who posts, the form's builder name)
FORM_PAGES = [
    ("visits:new", "household", "office", "visits.forms.VisitForm"),
    ("visits:edit", "draft", "office", "visits.forms.VisitForm"),
    ("visits:new_starters", None, "office", "visits.forms.NewStarterForm"),
    ("visits:household_new", None, "office", "visits.household_forms.HouseholdForm"),
    ("visits:household_edit", "household", "office", "visits.household_forms.HouseholdForm"),
    ("visits:contact_new", "household", "office", "visits.household_forms.ContactForm"),
    ("visits:pupil_new", "household", "office", "visits.household_forms.PupilForm"),
    ("visits:pupil_edit", "pupil", "office", "visits.household_forms.PupilForm"),
    ("visits:present", "road", "visitor", "visits.record_forms.PresenceForm"),
    ("visits:record", "road", "visitor", "visits.record_forms.RecordForm"),
    ("visits:signature", "road", "visitor", "visits.views.signature.SignatureForm"),
    ("visits:staff_signature", "road", "visitor", "visits.views.staff_signature.StaffSignatureForm"),
    ("safeguarding:raise_concern", "road", "visitor", "safeguarding.forms.RaiseConcernForm"),
    ("safeguarding:report_incident", "road", "visitor", "safeguarding.forms.ReportIncidentForm"),
    ("login", None, None, "homevisits.forms.LoginForm"),
    ("accounts:staff_add", "school", "head", "accounts.forms.StaffAddForm"),
    ("accounts:school_new", None, "trust_admin", "accounts.forms.SchoolForm"),
    ("password_reset", None, None, "accounts.reset.ResetRequestForm"),
    ("accounts:profile", None, "visitor", "accounts.forms.ProfileForm"),
]


def _page_url(cast, url_name: str, about: str | None) -> str:
    if about == "household" and url_name == "visits:new":
        return reverse(url_name) + f"?household={cast.household.code}"
    code = {
        "household": lambda: cast.household.code,
        "pupil": lambda: cast.pupil.code,
        "draft": lambda: cast.make_visit(Status.DRAFT).code,
        "road": lambda: _on_the_road(cast).code,
        "school": lambda: cast.school.slug,
    }.get(about)
    return reverse(url_name, args=[code()]) if code else reverse(url_name)


@pytest.mark.parametrize(("url_name", "about", "who", "name"), FORM_PAGES)
def test_a_nul_in_every_text_field_of_a_page_shows_the_form_again_and_writes_nothing(
    cast, login, client, url_name, about, who, name
):
    # Arrange
    url = _page_url(cast, url_name, about)
    browser = login(getattr(cast, who)) if who else client
    form = FORM_BUILDERS[name](cast, {})
    data = {form.add_prefix(field): "Text" + NUL for field in _text_fields(form)}
    before = _counts()

    # Act
    response = browser.post(url, data)

    # Assert
    assert response.status_code == 200
    assert MESSAGE in shown(response)
    assert _counts() == before
