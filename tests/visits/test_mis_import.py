"""MIS import (mp03): parsing, checking, idempotent saving, the upload pages and the command.

Malformed rows, wrong encodings, duplicate ids, formula-like cells, 5,000 rows, re-import, the
preview that saves nothing, and `manage.py import_pupils`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_household
from visits import mis_import
from visits.enums import AuditAction
from visits.models import AuditEntry, Contact, Household, ImportBatch, Pupil

SAMPLE = Path(settings.BASE_DIR) / "docs" / "sample-mis-export.csv"


def row(n: int = 1, **overrides) -> dict[str, str]:
    """One valid pupil row; pupils n share household n // 2 (siblings)."""
    values = {
        "mis_id": f"P{n:05d}",
        "first_name": f"Pupil{n}",
        "last_name": "Testperson",
        "date_of_birth": "12/09/2018",
        "year_group": "Year 3",
        "household_mis_id": f"H{n // 2:05d}",
        "household_name": "",
        "address_line1": f"{n // 2} Test Street",
        "address_line2": "",
        "town": "Manchester",
        "postcode": "M14 5AB",
        "contact1_mis_id": f"C{n // 2:05d}",
        "contact1_first_name": "Pat",
        "contact1_last_name": "Testperson",
        "contact1_relationship": "Mother",
        "contact1_parental_responsibility": "Y",
        "contact1_phone": "",
        "contact1_mobile": "07700 900123",
        "contact1_email": "",
        "contact1_may_discuss": "Y",
    }
    values.update(overrides)
    return values


def csv_text(rows: list[dict[str, str]], columns: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns or list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def plan_for(cast, rows: list[dict[str, str]]) -> mis_import.Plan:
    return mis_import.build_plan(csv_text(rows), cast.school)


def outcomes(plan: mis_import.Plan) -> list[str]:
    return [r.outcome for r in plan.rows]


def counts() -> tuple[int, int, int]:
    return Household.objects.count(), Pupil.objects.count(), Contact.objects.count()


# --- the sample file, and idempotence --------------------------------------------------------------


def test_mp03_sample_file_imports_every_row(cast):
    # Arrange
    plan = mis_import.build_plan(mis_import.decode(SAMPLE.read_bytes()), cast.school)

    # Act
    result = mis_import.apply_plan(plan, cast.office)

    # Assert
    assert (result.created, result.updated, result.skipped) == (20, 0, 0)
    assert Pupil.objects.filter(school=cast.school, mis_id__startswith="P30").count() == 20
    assert Household.objects.filter(school=cast.school, mis_id__startswith="H10").count() == 14
    assert Contact.objects.filter(household__mis_id__startswith="H10").count() == 19
    iqbal = Household.objects.get(mis_id="H1009")
    assert sorted(p.first_name for p in iqbal.pupils.all()) == ["Hamza", "Maryam", "Yusuf"]
    grandad = Contact.objects.get(mis_id="C2005")
    assert (grandad.parental_responsibility, grandad.may_discuss_pupil) == (False, True)


def test_mp03_reimport_same_file_changes_nothing_and_duplicates_nothing(cast):
    # Arrange
    text = mis_import.decode(SAMPLE.read_bytes())
    mis_import.apply_plan(mis_import.build_plan(text, cast.school), cast.office)
    before = counts()

    # Act
    plan = mis_import.build_plan(text, cast.school)
    result = mis_import.apply_plan(plan, cast.office)

    # Assert
    assert counts() == before
    assert (result.created, result.updated, result.unchanged) == (0, 0, 20)
    assert set(outcomes(plan)) == {"unchanged"}


def test_mp03_reimport_updates_changed_rows_by_mis_id(cast):
    # Arrange
    mis_import.apply_plan(plan_for(cast, [row(2), row(3)]), cast.office)
    before = counts()

    # Act: pupil 2 moved up a year; the household moved house.
    plan = plan_for(cast, [row(2, year_group="Year 4", address_line1="9 New Road"), row(3, address_line1="9 New Road")])
    mis_import.apply_plan(plan, cast.office)

    # Assert
    assert counts() == before
    assert outcomes(plan) == ["updated", "updated"]
    assert "year group" in plan.rows[0].changes and "address" in plan.rows[0].changes
    assert Pupil.objects.get(mis_id="P00002").year_group == "Year 4"
    assert Household.objects.get(mis_id="H00001").address_line1 == "9 New Road"


def test_mp03_reimport_blank_phone_keeps_saved_number(cast):
    # Arrange
    mis_import.apply_plan(plan_for(cast, [row(2, contact1_phone="0161 496 0101")]), cast.office)

    # Act
    plan = plan_for(cast, [row(2, contact1_phone="")])
    mis_import.apply_plan(plan, cast.office)

    # Assert
    assert outcomes(plan) == ["unchanged"]
    assert Contact.objects.get(mis_id="C00001").phone == "0161 496 0101"


def test_mp03_contact_without_mis_id_matched_by_name(cast):
    # Arrange
    first = [row(2, contact1_mis_id="", contact1_first_name="Kerry")]
    mis_import.apply_plan(plan_for(cast, first), cast.office)

    # Act: same person, the name in another case, a new mobile.
    plan = plan_for(cast, [row(2, contact1_mis_id="", contact1_first_name="KERRY", contact1_mobile="07700 900999")])
    mis_import.apply_plan(plan, cast.office)

    # Assert
    contacts = Contact.objects.filter(household__mis_id="H00001")
    assert contacts.count() == 1
    assert contacts.get().mobile == "07700 900999"


def test_mp03_siblings_share_one_household_and_contact(cast):
    # Act
    mis_import.apply_plan(plan_for(cast, [row(2), row(3)]), cast.office)

    # Assert
    household = Household.objects.get(mis_id="H00001")
    assert household.pupils.count() == 2
    assert household.contacts.count() == 1
    assert household.name == "Testperson family"


def test_mp03_same_mis_id_at_another_school_is_another_pupil(cast):
    # Arrange
    mis_import.apply_plan(mis_import.build_plan(csv_text([row(2)]), cast.other_school), cast.other_office)

    # Act
    plan = plan_for(cast, [row(2)])
    mis_import.apply_plan(plan, cast.office)

    # Assert
    assert outcomes(plan) == ["created"]
    assert Pupil.objects.filter(mis_id="P00002").count() == 2


def test_mp03_import_writes_audit_entries_without_pupil_data(cast):
    # Act
    mis_import.apply_plan(plan_for(cast, [row(2), row(4)]), cast.office)

    # Assert
    created = AuditEntry.objects.filter(object_type="household", action=AuditAction.CREATE)
    assert created.count() == 2
    summary = AuditEntry.objects.get(object_type="mis import")
    assert summary.detail == "MIS import: 2 created, 0 updated, 0 unchanged, 0 skipped"
    assert "Pupil2" not in str(list(AuditEntry.objects.values_list("detail", flat=True)))


# --- malformed rows ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"date_of_birth": "2018-13-40"}, "is not a date in the form dd/mm/yyyy"),
        ({"date_of_birth": "31/02/2018"}, "is not a date in the form dd/mm/yyyy"),
        ({"date_of_birth": "01/01/2099"}, "is in the future"),
        ({"date_of_birth": ""}, "The date of birth is missing."),
        ({"first_name": ""}, "The first name is missing."),
        ({"mis_id": ""}, "The MIS id is missing."),
        ({"postcode": "ZZZ"}, "is not a UK postcode"),
        ({"contact1_parental_responsibility": "maybe"}, "must be Y or N"),
        ({"contact1_mobile": "call after 6"}, "is not a phone number"),
        ({"contact1_email": "nope"}, "is not an email address"),
        ({"contact1_relationship": ""}, "contact 1 relationship is missing"),
        ({"town": "x" * 101}, "longer than 100 characters"),
        ({"address_line1": "line one\nline two"}, "has a line break"),
        ({"contact1_mobile": "7700 900123"}, "a spreadsheet may have dropped its leading 0"),
        ({"mis_id": "1.23457E+11"}, "looks like a number a spreadsheet rounded"),
        ({"household_mis_id": "4.5e+10"}, "looks like a number a spreadsheet rounded"),
    ],
)
def test_mp03_malformed_row_is_an_error_on_that_row_only(cast, overrides, message):
    # Act
    plan = plan_for(cast, [row(2, **overrides), row(4)])

    # Assert
    bad, good = plan.rows
    assert bad.outcome == "error"
    assert any(message in e for e in bad.errors), bad.errors
    assert (good.outcome, good.errors) == ("created", [])


def test_mp03_row_with_extra_cells_is_an_error(cast):
    # Arrange: an address with an unquoted comma pushes every cell along.
    text = csv_text([row(2), row(4)]) + "P00009,A,B,12/09/2018,Year 3,H9,,1 Road,Flat 2,Town,M14 5AB,,,,,,,,,,spare\r\n"

    # Act
    plan = mis_import.build_plan(text, cast.school)

    # Assert
    assert outcomes(plan) == ["created", "created", "error"]
    assert "check for a stray comma" in plan.rows[2].errors[0]


def test_mp03_row_errors_are_skipped_and_valid_rows_saved(cast):
    # Arrange
    plan = plan_for(cast, [row(2), row(4, date_of_birth="soon")])

    # Act
    result = mis_import.apply_plan(plan, cast.office)

    # Assert
    assert (result.created, result.skipped) == (1, 1)
    assert list(Pupil.objects.filter(mis_id__in=["P00002", "P00004"]).values_list("mis_id", flat=True)) == ["P00002"]


def test_mp03_missing_required_column_rejects_the_file(cast):
    # Arrange
    columns = [c for c in row(2) if c != "postcode"]

    # Act / Assert
    with pytest.raises(mis_import.ImportFileError, match="Missing: postcode"):
        mis_import.build_plan(csv_text([{c: v for c, v in row(2).items() if c in columns}], columns), cast.school)


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_mp03_semicolon_or_tab_separated_file_is_read(cast, delimiter):
    # Arrange
    text = csv_text([row(2), row(4)]).replace(",", delimiter)

    # Act
    plan = mis_import.build_plan(text, cast.school)

    # Assert
    assert outcomes(plan) == ["created", "created"]


def test_mp03_header_only_file_is_refused(cast):
    with pytest.raises(mis_import.ImportFileError, match="no pupils"):
        mis_import.build_plan(",".join(mis_import.REQUIRED_COLUMNS) + "\r\n", cast.school)


def test_mp03_year_groups_are_written_the_usual_way(cast):
    # Act
    plan = plan_for(cast, [row(2, year_group="R"), row(4, year_group="y3"), row(6, year_group="6")])
    mis_import.apply_plan(plan, cast.office)

    # Assert
    groups = dict(Pupil.objects.filter(mis_id__in=["P00002", "P00004", "P00006"]).values_list("mis_id", "year_group"))
    assert groups == {"P00002": "Reception", "P00004": "Year 3", "P00006": "Year 6"}


def test_mp03_household_with_two_addresses_in_file_is_an_error(cast):
    # Act: siblings 2 and 3 share household H00001.
    plan = plan_for(cast, [row(2), row(3, address_line1="Somewhere else")])

    # Assert
    assert outcomes(plan) == ["created", "error"]
    assert "Household H00001 has a different address on line 2." in plan.rows[1].errors


# --- duplicate ids ----------------------------------------------------------------------------------


def test_mp03_duplicate_mis_id_in_file_errors_on_every_copy(cast):
    # Act
    plan = plan_for(cast, [row(2), row(4), row(2, first_name="Other")])

    # Assert
    assert outcomes(plan) == ["error", "created", "error"]
    assert "The MIS id P00002 is also on line 4: each pupil must appear once." in plan.rows[0].errors
    assert "The MIS id P00002 is also on line 2: each pupil must appear once." in plan.rows[2].errors


# --- formula-like cells -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "column, value",
    [
        ("first_name", '=HYPERLINK("http://evil.example","click")'),
        ("last_name", "+SUM(1,2)"),
        ("town", "-2+3"),
        ("address_line1", "@cmd"),
        ("contact1_phone", "=1+1"),
        ("contact1_mobile", "-07700 900123"),
        ("contact1_email", "=x@example.com"),
    ],
)
def test_mp03_formula_like_cell_is_refused_never_stored(cast, column, value):
    # Act
    plan = plan_for(cast, [row(2, **{column: value})])
    mis_import.apply_plan(plan, cast.office)

    # Assert
    assert plan.rows[0].outcome == "error"
    assert any("would treat as a formula" in e for e in plan.rows[0].errors)
    assert not Pupil.objects.filter(mis_id="P00002").exists()


def test_mp03_international_phone_starting_with_plus_is_a_number_not_a_formula(cast):
    # Act
    plan = plan_for(cast, [row(2, contact1_mobile="+44 7700 900123")])
    mis_import.apply_plan(plan, cast.office)

    # Assert
    assert plan.rows[0].outcome == "created"
    assert Contact.objects.get(mis_id="C00001").mobile == "+44 7700 900123"


# --- encodings ----------------------------------------------------------------------------------------


def test_mp03_utf8_with_bom_reads_the_first_column(cast):
    # Arrange
    raw = "\ufeff".encode() + csv_text([row(2, first_name="Zoë")]).encode()

    # Act
    plan = mis_import.build_plan(mis_import.decode(raw), cast.school)

    # Assert
    assert (plan.rows[0].outcome, plan.rows[0].pupil_name) == ("created", "Zoë Testperson")


def test_mp03_windows_1252_file_is_read(cast):
    # Arrange: what Excel on Windows saves as "CSV (Comma delimited)".
    raw = csv_text([row(2, first_name="Siobhán", last_name="O’Brien")]).encode("cp1252")

    # Act
    plan = mis_import.build_plan(mis_import.decode(raw), cast.school)
    mis_import.apply_plan(plan, cast.office)

    # Assert
    assert Pupil.objects.get(mis_id="P00002").last_name == "O’Brien"
    assert Pupil.objects.get(mis_id="P00002").first_name == "Siobhán"


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "This is not a CSV file"),  # an .xlsx
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV file"),
        (b"", "The file is empty"),
        (b"mis_id,first_name\r\n\x81\x8d\x8f\x90\x9d", "cannot be read"),  # neither UTF-8 nor Windows-1252
    ],
)
def test_mp03_binary_or_unreadable_file_is_refused_clearly(raw, message):
    with pytest.raises(mis_import.ImportFileError, match=message):
        mis_import.decode(raw)


def test_mp03_file_over_5_mb_is_refused():
    with pytest.raises(mis_import.ImportFileError, match="the largest file you can import is 5 MB"):
        mis_import.decode(b"a" * (mis_import.MAX_BYTES + 1))


# --- 5,000 rows ------------------------------------------------------------------------------------


def test_mp03_5000_rows_import_quickly_in_bulk_queries(cast):
    # Arrange
    text = csv_text([row(n) for n in range(2, 5002)])

    # Act
    started = time.monotonic()
    with CaptureQueriesContext(connection) as queries:
        plan = mis_import.build_plan(text, cast.school)
        result = mis_import.apply_plan(plan, cast.office)
    first = time.monotonic() - started
    started = time.monotonic()
    again = mis_import.build_plan(text, cast.school)
    second = time.monotonic() - started
    print(f"5,000 rows: first import {first:.2f}s in {len(queries)} queries; re-check {second:.2f}s")

    # Assert
    assert (result.created, result.skipped) == (5000, 0)
    assert Pupil.objects.filter(school=cast.school).count() == 5001  # with the cast's own pupil
    # Bulk inserts come in batches (SQLite takes ~120 rows of 8 columns per statement): a few
    # dozen queries per thousand rows, never one per row.
    assert len(queries) < 300, "bulk queries, not one per row"
    assert first < 60
    assert set(outcomes(again)) == {"unchanged"}


# --- the upload pages --------------------------------------------------------------------------


def _upload(client, text: str | bytes, name: str = "export.csv"):
    raw = text.encode() if isinstance(text, str) else text
    return client.post(reverse("visits:import_upload"), {"file": SimpleUploadedFile(name, raw, "text/csv")})


def test_mp03_upload_and_preview_save_nothing(cast, login):
    # Arrange
    client = login(cast.office)
    before = counts()

    # Act
    upload = _upload(client, SAMPLE.read_bytes())
    batch = ImportBatch.objects.get()
    preview = client.get(reverse("visits:import_preview", args=[batch.code]), {"show": "all"})

    # Assert
    assert upload.status_code == 302
    assert upload["Location"] == reverse("visits:import_preview", args=[batch.code])
    assert preview.status_code == 200
    assert preview.context["summary"] == {"rows": 20, "created": 20, "updated": 0, "unchanged": 0, "skipped": 0}
    assert len(preview.context["rows"]) == 20
    assert "Import 20 rows now" in preview.content.decode()
    assert counts() == before


def test_mp03_preview_shows_per_row_errors(cast, login):
    # Arrange
    client = login(cast.office)
    _upload(client, csv_text([row(2), row(4, postcode="nowhere")]))
    batch = ImportBatch.objects.get()

    # Act
    preview = client.get(reverse("visits:import_preview", args=[batch.code]))

    # Assert: problems first.
    html = preview.content.decode()
    assert preview.context["show"] == "problems"
    assert [r.line for r in preview.context["rows"]] == [3]
    assert "The postcode &#x27;nowhere&#x27; is not a UK postcode" in html


def test_mp03_confirm_saves_in_one_go_and_clears_the_upload(cast, login):
    # Arrange
    client = login(cast.office)
    _upload(client, SAMPLE.read_bytes())
    batch = ImportBatch.objects.get()

    # Act
    response = client.post(reverse("visits:import_confirm", args=[batch.code]), follow=True)
    again = client.post(reverse("visits:import_confirm", args=[batch.code]), follow=True)

    # Assert
    batch.refresh_from_db()
    assert response.redirect_chain == [(reverse("visits:import_preview", args=[batch.code]), 302)]
    assert "Import finished: 20 pupils added, 0 updated, 0 unchanged, 0 rows skipped." in response.content.decode()
    assert Pupil.objects.filter(mis_id__startswith="P30").count() == 20
    assert (batch.created_count, batch.skipped_count, batch.content, batch.imported_by) == (20, 0, "", cast.office)
    assert "This file has already been imported." in again.content.decode()
    assert Pupil.objects.filter(mis_id__startswith="P30").count() == 20  # not twice


def test_mp03_confirm_clash_with_another_import_saves_nothing_and_says_so(cast, login, monkeypatch):
    # Arrange: another import saves the same pupils between our check and our save.
    client = login(cast.office)
    _upload(client, SAMPLE.read_bytes())
    batch = ImportBatch.objects.get()
    real_apply = mis_import.apply_plan

    def clashing_apply(plan, user):
        real_apply(plan, user)  # our rows are written...
        raise IntegrityError("duplicate key value violates unique constraint")  # ...then the clash

    monkeypatch.setattr(mis_import, "apply_plan", clashing_apply)

    # Act
    response = client.post(reverse("visits:import_confirm", args=[batch.code]), follow=True)

    # Assert: rolled back, the upload still waiting, and a message instead of a 500.
    batch.refresh_from_db()
    assert response.status_code == 200
    assert "Someone else saved changes to these pupils at the same moment" in response.content.decode()
    assert not Pupil.objects.filter(mis_id__startswith="P30").exists()
    assert (batch.imported_at, batch.content != "") == (None, True)


def test_mp03_old_unconfirmed_upload_is_deleted_on_next_upload(cast, login):
    # Arrange
    client = login(cast.office)
    _upload(client, SAMPLE.read_bytes())
    old = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=2))

    # Act
    _upload(client, SAMPLE.read_bytes())

    # Assert
    assert not ImportBatch.objects.filter(pk=old.pk).exists()
    assert ImportBatch.objects.count() == 1


def test_mp03_upload_of_binary_file_shows_message_not_500(cast, login):
    # Act
    response = _upload(login(cast.office), b"PK\x03\x04\x00\x00binary", "pupils.xlsx")

    # Assert
    assert response.status_code == 200
    assert "This is not a CSV file" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_mp03_upload_over_5_mb_shows_message(cast, login):
    # Act
    response = _upload(login(cast.office), b"a" * (mis_import.MAX_BYTES + 1))

    # Assert
    assert response.status_code == 200
    assert "the largest you can import is 5 MB" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_mp03_upload_missing_columns_shows_message(cast, login):
    # Act
    response = _upload(login(cast.office), "name,age\r\nSam,7\r\n")

    # Assert
    assert response.status_code == 200
    assert "Missing: mis_id, first_name" in response.content.decode()


@pytest.mark.parametrize("actor", ["head", "visitor", "trust_admin", "other_office", "other_lead"])
def test_hc25_import_of_one_school_hidden_from_others(cast, login, actor):
    # Arrange
    _upload(login(cast.office), SAMPLE.read_bytes())
    batch = ImportBatch.objects.get()
    client = login(getattr(cast, actor))

    # Act
    preview = client.get(reverse("visits:import_preview", args=[batch.code]))
    confirm = client.post(reverse("visits:import_confirm", args=[batch.code]))

    # Assert
    assert (preview.status_code, confirm.status_code) == (404, 404)
    assert not Pupil.objects.filter(mis_id__startswith="P30").exists()


def test_mp03_lead_may_confirm_an_upload_by_the_office(cast, login):
    # Arrange
    _upload(login(cast.office), SAMPLE.read_bytes())
    batch = ImportBatch.objects.get()

    # Act
    response = login(cast.deputy).post(reverse("visits:import_confirm", args=[batch.code]))

    # Assert
    assert response.status_code == 302
    assert Pupil.objects.filter(mis_id__startswith="P30").count() == 20


def test_mp03_import_into_existing_household_keeps_its_known_risks(cast):
    # Arrange
    household = make_household(cast.school, "Testperson family")
    household.mis_id, household.known_risks = "H00001", "Dog"
    household.save()

    # Act
    mis_import.apply_plan(plan_for(cast, [row(2)]), cast.office)

    # Assert
    household.refresh_from_db()
    assert household.known_risks == "Dog"
    assert household.pupils.get().mis_id == "P00002"


def test_mp03_household_made_by_hand_is_linked_not_duplicated(cast):
    # Arrange: the office made the household and pupil by hand, with the pupil's MIS id only.
    visit = cast.make_visit("authorised")
    cast.pupil.mis_id = "P00002"
    cast.pupil.save()
    before = Household.objects.count()

    # Act
    plan = plan_for(cast, [row(2), row(3)])
    mis_import.apply_plan(plan, cast.office)

    # Assert: the same household now carries the MIS key, the sibling joined it, the visit stays.
    cast.household.refresh_from_db()
    assert Household.objects.count() == before
    assert cast.household.mis_id == "H00001"
    assert outcomes(plan) == ["updated", "created"]
    assert "household linked to its MIS id" in plan.rows[0].changes
    assert sorted(cast.household.pupils.values_list("mis_id", flat=True)) == ["P00002", "P00003"]
    assert visit.household_id == cast.household.pk


# --- the command -----------------------------------------------------------------------------------


def test_mp03_command_dry_run_saves_nothing(cast, capsys):
    # Arrange
    before = counts()

    # Act
    call_command("import_pupils", str(SAMPLE), "--school", cast.school.slug, "--dry-run")

    # Assert
    assert "Dry run, nothing saved. 20 rows: 20 new" in capsys.readouterr().out
    assert counts() == before


def test_mp03_command_imports_and_is_idempotent(cast, capsys):
    # Act
    call_command("import_pupils", str(SAMPLE), "--school", cast.school.slug, "--user", cast.office.username)
    first = capsys.readouterr().out
    call_command("import_pupils", str(SAMPLE), "--school", cast.school.slug)
    second = capsys.readouterr().out

    # Assert
    assert "20 new" in first
    assert "0 new, 0 to update, 20 unchanged" in second
    assert Pupil.objects.filter(school=cast.school, mis_id__startswith="P30").count() == 20
    assert AuditEntry.objects.filter(object_type="mis import", username=cast.office.username).count() == 1


def test_mp03_command_reports_row_errors(cast, tmp_path, capsys):
    # Arrange
    path = tmp_path / "bad.csv"
    path.write_text(csv_text([row(2), row(4, first_name="=cmd")]))

    # Act
    call_command("import_pupils", str(path), "--school", cast.school.slug)

    # Assert
    captured = capsys.readouterr()
    assert "line 3: The first name starts with '='" in captured.err
    assert "1 new" in captured.out and "1 with problems" in captured.out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--school", "no-such-school"], "No school with the slug"),
        (["--school", "{slug}", "--user", "nobody"], "No user called"),
    ],
)
def test_mp03_command_refuses_unknown_school_or_user(cast, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_pupils", str(SAMPLE), *[a.format(slug=cast.school.slug) for a in args])


def test_mp03_command_refuses_binary_file(cast, tmp_path):
    # Arrange
    path = tmp_path / "pupils.xlsx"
    path.write_bytes(b"PK\x03\x04\x00\x00")

    # Act / Assert
    with pytest.raises(CommandError, match="This is not a CSV file"):
        call_command("import_pupils", str(path), "--school", cast.school.slug)
