"""The audit trail page's filters and its CSV export (issue 15, item 5).

Filters by person, family, visit, action and date range (Europe/London days), scoped to one of the
schools the person may read; bad input is a form error, never a 500; the export holds every
filtered row, formula cells escaped, UTF-8 with a BOM, and writes its own audit row; both pages are
step-up pages. The access matrix (tests/matrix/core.py) covers who may open the export.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import second_factor
from safeguarding import audit_trail, concerns
from safeguarding.models import ConcernKind
from tests.factories import make_household, make_pupil
from tests.second_factor import code_for
from visits.enums import AuditAction, Role, Status
from visits.models import AuditEntry, Membership

AUDIT = reverse("safeguarding:audit")
EXPORT = reverse("safeguarding:audit_export")
VERIFY = reverse("accounts:second_factor")
LONDON = audit_trail.LONDON


def _entry(school, *, username="staff.x", code="", action=AuditAction.VIEW, at=None, **extra) -> AuditEntry:
    return AuditEntry.objects.create(
        at=at or timezone.now() - dt.timedelta(minutes=5),
        user_id=None,
        username=username,
        school=school,
        object_type=extra.pop("object_type", "visit"),
        object_code=str(code),
        action=action,
        detail=extra.pop("detail", "test entry"),
        **extra,
    )


def _shown(response) -> list[AuditEntry]:
    assert response.status_code == 200
    page = response.context["page"]
    assert page is not None, response.context["form"].errors
    return page.rows


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(body[len(codecs.BOM_UTF8) :].decode("utf-8"), newline="")))


# --- the filters -----------------------------------------------------------------------------------


def test_filter_by_person_shows_only_their_entries(cast, login):
    # Arrange
    theirs = [_entry(cast.school, username="office.person") for _ in range(3)]
    _entry(cast.school, username="someone.else")

    # Act
    rows = _shown(login(cast.lead).get(AUDIT, {"person": " office.person "}))

    # Assert
    assert {e.pk for e in rows} == {e.pk for e in theirs}


def test_filter_by_family_takes_the_household_its_contacts_pupils_visits_and_concerns(cast, login):
    # Arrange: the cast's family, with a visit and a concern on it; and another family.
    cast.household.name = "Okafor family"
    cast.household.save()
    visit = cast.make_visit(Status.IN_PROGRESS)
    concern = concerns.raise_concern(visit, cast.visitor, ConcernKind.CHILD_PROTECTION, "Details of the concern.")
    contact = cast.household.contacts.first()
    about = [cast.household.code, contact.code, cast.pupil.code, visit.code, concern.code]
    ours = [_entry(cast.school, code=code, username="family.reader") for code in about]
    other = make_household(cast.school, "Zed family")
    not_ours = [_entry(cast.school, code=other.code), _entry(cast.school, code=make_pupil(other).code)]

    # Act
    by_name = _shown(login(cast.lead).get(AUDIT, {"family": "okaf"}))
    by_code = _shown(login(cast.lead).get(AUDIT, {"family": str(cast.household.code)}))

    # Assert
    for rows in (by_name, by_code):
        assert {e.pk for e in ours} <= {e.pk for e in rows}
        assert not {e.pk for e in not_ours} & {e.pk for e in rows}
        assert {e.object_code for e in rows} <= {
            str(c) for c in audit_trail.family_codes(cast.school.pk, [cast.household])
        }


def test_family_filter_names_the_families_it_found(cast, login):
    # Act
    page = login(cast.lead).get(AUDIT, {"family": cast.household.name}).content.decode()

    # Assert
    assert f"Family: {cast.household.name}" in page


def test_filter_by_visit_code(cast, login):
    # Arrange
    visit, other_visit = cast.make_visit(Status.REQUESTED), cast.make_visit(Status.REQUESTED)
    mine = _entry(cast.school, code=visit.code)
    _entry(cast.school, code=other_visit.code)

    # Act
    rows = _shown(login(cast.lead).get(AUDIT, {"visit": str(visit.code)}))

    # Assert
    assert mine.pk in {e.pk for e in rows}
    assert {e.object_code for e in rows} == {str(visit.code)}


def test_filter_by_action(cast, login):
    # Arrange
    download = _entry(cast.school, action=AuditAction.DOWNLOAD)
    _entry(cast.school, action=AuditAction.VIEW)

    # Act
    rows = _shown(login(cast.lead).get(AUDIT, {"action": AuditAction.DOWNLOAD}))

    # Assert
    assert download.pk in {e.pk for e in rows}
    assert {e.action for e in rows} == {AuditAction.DOWNLOAD}


@pytest.mark.clock(dt.datetime(2026, 7, 15, 12, 0, tzinfo=dt.UTC))
def test_date_range_is_whole_days_in_london_time(cast, login):
    # Arrange: in summer, 23:30 UTC is 00:30 the next day in London.
    def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime(2026, 7, day, hour, minute, tzinfo=dt.UTC)

    before = _entry(cast.school, at=at(9, 22, 59))  # 23:59 on the 9th, London
    first = _entry(cast.school, at=at(9, 23, 0))  # 00:00 on the 10th
    last = _entry(cast.school, at=at(11, 22, 59))  # 23:59 on the 11th
    after = _entry(cast.school, at=at(11, 23, 30))  # 00:30 on the 12th

    # Act
    rows = _shown(login(cast.lead).get(AUDIT, {"date_from": "2026-07-10", "date_to": "2026-07-11"}))

    # Assert
    shown = {e.pk for e in rows}
    assert {first.pk, last.pk} <= shown
    assert not {before.pk, after.pk} & shown


def test_filters_combine_and_stay_on_the_next_page(cast, login):
    # Arrange: 60 of one person's views, more than a page, and their other actions.
    at = timezone.now() - dt.timedelta(days=1)
    views = [_entry(cast.school, username="many.views", at=at - dt.timedelta(seconds=i)) for i in range(60)]
    _entry(cast.school, username="many.views", action=AuditAction.UPDATE)
    client = login(cast.lead)

    # Act
    first = client.get(AUDIT, {"person": "many.views", "action": AuditAction.VIEW})
    later = re.search(r'href="\?([^"]*after=[^"]*)"', first.content.decode()).group(1).replace("&amp;", "&")
    second = client.get(f"{AUDIT}?{later}")

    # Assert: the export link of a later page still holds every page.
    rows = _shown(first) + _shown(second)
    assert [e.pk for e in rows] == [e.pk for e in views]
    assert f'href="{EXPORT}?person=many.views&amp;action=view"' in second.content.decode()


def test_a_look_up_of_one_family_is_itself_in_that_familys_trail(cast, login):
    # Arrange
    client = login(cast.lead)

    # Act
    client.get(AUDIT, {"family": str(cast.household.code), "action": AuditAction.VIEW})
    again = _shown(client.get(AUDIT, {"family": str(cast.household.code)}))

    # Assert
    looked = AuditEntry.objects.filter(object_type=audit_trail.OBJECT_TYPE, action=AuditAction.LIST).order_by("id")
    first = looked.first()
    assert looked.count() == 2
    assert (first.user_id, first.school_id, first.object_code) == (
        cast.lead.pk,
        cast.school.pk,
        str(cast.household.code),
    )
    assert first.detail == "audit trail looked up: family (1 household), action view"
    assert first.pk in {e.pk for e in again}


def test_browsing_the_trail_or_a_bad_filter_writes_no_row(cast, login):
    # Act
    client = login(cast.lead)
    client.get(AUDIT)
    client.get(AUDIT, {"action": AuditAction.UPDATE, "date_from": "2026-11-01"})
    client.get(AUDIT, {"family": "no such family"})

    # Assert
    assert not AuditEntry.objects.filter(object_type=audit_trail.OBJECT_TYPE).exists()


# --- scoping -----------------------------------------------------------------------------------------


def test_another_schools_rows_never_appear_whatever_the_filter(cast, login):
    # Arrange: the other school's family, visit and entries about them.
    theirs_household = make_household(cast.other_school, "Other family")
    theirs = _entry(cast.other_school, code=theirs_household.code, username="shared.name")
    _entry(cast.school, username="shared.name")
    client = login(cast.lead)

    # Act
    plain = _shown(client.get(AUDIT))
    person = _shown(client.get(AUDIT, {"person": "shared.name"}))
    by_code = client.get(AUDIT, {"family": str(theirs_household.code)})
    by_name = client.get(AUDIT, {"family": "Other family"})
    by_school = client.get(AUDIT, {"school": cast.other_school.slug})

    # Assert
    assert theirs.pk not in {e.pk for e in plain + person}
    assert {e.school_id for e in plain} == {cast.school.pk}
    assert by_code.context["form"].errors["family"] == [f"No household of {cast.school.name} has this code."]
    assert by_name.context["form"].errors["family"]
    assert by_school.context["form"].errors["school"]
    assert all(r.context["page"] is None for r in (by_code, by_name, by_school))


def test_another_schools_lead_gets_nothing_of_ours(cast, login):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)
    ours = _entry(cast.school, code=visit.code, username="office.ours")

    # Act
    client = login(cast.other_lead)
    rows = _shown(client.get(AUDIT)) + _shown(client.get(AUDIT, {"person": "office.ours"}))
    by_visit = client.get(AUDIT, {"visit": str(visit.code)})
    exported = _csv(client.get(EXPORT, {"person": "office.ours"}))

    # Assert
    assert ours.pk not in {e.pk for e in rows}
    assert {e.school_id for e in rows} <= {cast.other_school.pk}
    assert by_visit.context["form"].errors["visit"] == [f"No visit of {cast.other_school.name} has this code."]
    assert exported[1:] == []


def test_a_lead_of_two_schools_chooses_which_trail(cast, login):
    # Arrange
    Membership.objects.create(user=cast.lead, school=cast.other_school, role=Role.LEAD)
    theirs = _entry(cast.other_school)
    ours = _entry(cast.school)
    client = login(cast.lead)

    # Act
    default = client.get(AUDIT)
    other = client.get(AUDIT, {"school": cast.other_school.slug})

    # Assert: the first school by name unless chosen, and a select to choose.
    first, second = sorted([cast.school, cast.other_school], key=lambda s: s.name)
    assert {e.school_id for e in _shown(default)} == {first.pk}
    assert {e.school_id for e in _shown(other)} == {cast.other_school.pk}
    assert theirs.pk in {e.pk for e in _shown(other)} and ours.pk not in {e.pk for e in _shown(other)}
    assert 'name="school"' in default.content.decode() and "<select" in default.content.decode()


@pytest.mark.parametrize("role", ["office", "visitor", "bystander", "trust_admin"])
def test_the_export_is_404_for_those_who_may_not_read_the_trail(cast, login, role):
    # Act
    response = login(getattr(cast, role)).get(EXPORT)

    # Assert
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.DOWNLOAD, object_type="audit trail").exists()


# --- bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date_from": "31/02/2026"}, "date_from", "Enter a valid date."),
        ({"date_from": "2026-02-31"}, "date_from", "Enter a valid date."),
        ({"date_to": "tomorrow"}, "date_to", "Enter a valid date."),
        ({"date_from": "0001-01-01"}, "date_from", "Give a date between 2000 and 2100."),
        ({"date_to": "9999-12-31"}, "date_to", "Give a date between 2000 and 2100."),
        ({"date_from": "2026-11-10", "date_to": "2026-11-01"}, "date_to", "The 'to' date is before the 'from' date."),
        ({"visit": "not-a-code"}, "visit", "Enter a visit code, as shown at the end of the visit's address."),
        ({"visit": "00000000-0000-4000-8000-000000000000"}, "visit", None),
        ({"family": "No such family anywhere"}, "family", None),
        ({"action": "delete"}, "action", None),
        ({"person": "x" * 151}, "person", None),
        ({"school": "no-such-school"}, "school", None),
    ],
)
def test_bad_input_is_a_form_error_not_a_500(cast, login, params, field, message):
    # Act
    client = login(cast.lead)
    response = client.get(AUDIT, params)
    export = client.get(EXPORT, params)

    # Assert
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    if message:
        assert errors[field] == [message]
    assert response.context["page"] is None
    assert "Correct the filters above" in response.content.decode()
    assert export.status_code == 400
    assert not AuditEntry.objects.filter(action=AuditAction.DOWNLOAD, object_type="audit trail").exists()


def test_a_control_character_is_refused_with_a_plain_400(cast, login):
    # Act: the project's BadInputMiddleware answers before the form is reached.
    client = login(cast.lead)
    responses = [client.get(AUDIT, {"person": "bad\x00name"}), client.get(EXPORT, {"family": "a\x07b"})]

    # Assert
    assert [r.status_code for r in responses] == [400, 400]
    assert not AuditEntry.objects.filter(action=AuditAction.DOWNLOAD, object_type="audit trail").exists()


def test_too_many_families_asks_for_more_of_the_name(cast, login):
    # Arrange
    for i in range(11):
        make_household(cast.school, f"Smith family {i}")

    # Act
    response = login(cast.lead).get(AUDIT, {"family": "smith"})

    # Assert
    assert response.context["form"].errors["family"] == [
        "More than 10 families match: type more of the name, or the household code."
    ]


# --- the export -------------------------------------------------------------------------------------


def test_export_escapes_formula_cells_and_starts_with_a_bom(cast, login):
    # Arrange: text a spreadsheet would run, in every column a person could shape.
    nasty = _entry(
        cast.school,
        username='=HYPERLINK("http://x")',
        object_type="+visit",
        detail="-2+3",
        path="@SUM(A1)",
        code="\tcode",
    )
    _entry(cast.school, username="cr.user", detail="\rstarts with CR")

    # Act
    response = login(cast.lead).get(EXPORT)
    rows = _csv(response)

    # Assert
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert rows[0] == audit_trail.CSV_HEADER
    row = next(r for r in rows if r[1].endswith('HYPERLINK("http://x")'))
    assert row[1] == '\'=HYPERLINK("http://x")'
    assert row[3] == "'+visit" and row[4] == "'\tcode" and row[5] == "'-2+3" and row[7] == "'@SUM(A1)"
    assert next(r for r in rows if r[1] == "cr.user")[5] == "'\rstarts with CR"
    assert row[0] == nasty.at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M:%S")
    assert row[8] == cast.school.name


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 161", "'+44 161"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
    ],
)
def test_escape_cell(value, expected):
    assert audit_trail.escape_cell(value) == expected


def test_export_holds_every_filtered_row_across_chunks_and_ties(cast, login, monkeypatch):
    # Arrange: 23 rows of one person in chunks of 5, several at the same instant; another person's.
    monkeypatch.setattr(audit_trail, "EXPORT_CHUNK", 5)
    at = timezone.now() - dt.timedelta(hours=2)
    wanted = [_entry(cast.school, username="export.me", at=at - dt.timedelta(seconds=i // 3)) for i in range(23)]
    _entry(cast.school, username="not.me")

    # Act
    response = login(cast.lead).get(EXPORT, {"person": "export.me", "date_from": "2026-11-01"})
    rows = _csv(response)

    # Assert
    assert [r[1] for r in rows[1:]] == ["export.me"] * 23
    times = [r[0] for r in rows[1:]]
    expected = sorted(wanted, key=lambda e: (e.at, e.pk), reverse=True)
    assert times == [e.at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M:%S") for e in expected]
    assert response["Content-Disposition"] == (
        f'attachment; filename="audit-trail-{cast.school.slug}-2026-11-01-to-{timezone.localdate().isoformat()}.csv"'
    )
    assert "no-store" in response["Cache-Control"]


def test_the_export_writes_its_own_audit_row_naming_the_filters_not_what_was_typed(cast, login):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)
    params = {
        "person": "secret.typed.name",
        "family": cast.household.name,
        "visit": str(visit.code),
        "action": AuditAction.VIEW,
        "date_from": "2026-11-01",
        "date_to": "2026-11-11",
    }

    # Act
    login(cast.lead).get(EXPORT, params)

    # Assert
    row = AuditEntry.objects.get(action=AuditAction.DOWNLOAD, object_type="audit trail")
    assert (row.user_id, row.school_id, row.path, row.object_code) == (
        cast.lead.pk,
        cast.school.pk,
        EXPORT,
        str(visit.code),
    )
    assert row.detail == (
        f"audit trail CSV: person, family (1 household), visit {visit.code}, action view, "
        "from 2026-11-01, to 2026-11-11"
    )
    assert "secret" not in row.detail and cast.household.name not in row.detail


def test_an_unfiltered_export_says_whole_trail(cast, login):
    # Act
    login(cast.head).get(EXPORT)

    # Assert
    assert AuditEntry.objects.get(action=AuditAction.DOWNLOAD).detail == "audit trail CSV: whole trail"


def test_the_page_links_to_the_export_with_its_filters(cast, login):
    # Act
    page = login(cast.lead).get(AUDIT, {"person": "office.hc", "action": "view"}).content.decode()

    # Assert
    assert f'href="{EXPORT}?person=office.hc&amp;action=view"' in page


# --- step-up ------------------------------------------------------------------------------------------


def test_the_export_asks_the_code_again_after_15_minutes(cast, login, pinned_clock):
    # Arrange
    client = login(cast.lead)
    assert client.get(EXPORT).status_code == 200

    # Act
    pinned_clock.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16))
    stale = client.get(EXPORT, {"action": "view"})
    code = code_for(second_factor.app_device(cast.lead))
    given = client.post(VERIFY, {"code": code, "next": f"{EXPORT}?action=view"})

    # Assert
    assert stale.status_code == 302 and stale["Location"].startswith(VERIFY)
    assert AuditEntry.objects.filter(action=AuditAction.DOWNLOAD).count() == 1
    assert given["Location"] == f"{EXPORT}?action=view"
    assert client.get(given["Location"]).status_code == 200


def test_the_export_view_is_a_step_up_view():
    from safeguarding.views import audit as views

    view = views.audit_export
    while view is not None and not getattr(view, "step_up", False):
        view = getattr(view, "__wrapped__", None)
    assert view is not None


# --- what the lead reads ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("detail", "words"),
    [
        ("requested -> authorised", f"{Status.REQUESTED.label} \u2192 {Status.AUTHORISED.label}"),
        ("child_protection", ConcernKind.CHILD_PROTECTION.label),
        ("audit trail CSV: person office.x", "audit trail CSV: person office.x"),
        ("requested -> nonsense", "requested -> nonsense"),
        ("", ""),
    ],
)
def test_detail_words_turn_codes_into_labels_and_leave_free_text(detail, words):
    assert audit_trail.detail_words(detail) == words


def test_the_page_shows_words_not_codes_and_the_pager_says_older(cast, login, settings):
    # Arrange: more rows than one page, newest first.
    _entry(cast.school, detail="requested -> authorised", at=timezone.now() - dt.timedelta(minutes=1))
    for minutes in range(2, audit_trail.PER_PAGE + 3):
        _entry(cast.school, at=timezone.now() - dt.timedelta(minutes=minutes))

    # Act
    html = login(cast.lead).get(AUDIT).content.decode()

    # Assert
    assert f"{Status.REQUESTED.label} \u2192 {Status.AUTHORISED.label}" in html
    assert "requested -&gt; authorised" not in html
    assert "Older &rarr;" in html or "Older \u2192" in html
    assert "Later" not in html
