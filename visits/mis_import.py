"""MIS import (mp03, hc04 context): pupils, their households and contacts from the school's CSV
export. The one module that reads, checks and saves an import; the upload pages and
`manage.py import_pupils` both call it.

Three steps, each usable on its own:
1. `decode(raw)`: bytes to text. UTF-8 (with or without a byte-order mark) or Windows-1252 (what
   Excel on Windows saves); anything with NUL bytes or undecodable is refused as "not a CSV".
2. `build_plan(text, school)`: parse and check every row and compare it with what the school
   already holds, in a handful of bulk queries (no per-row SELECT). Nothing is written: this is
   the preview, with an outcome per row (created / updated / unchanged / error).
3. `apply_plan(plan, user)`: write the valid rows in one transaction, with bulk inserts and
   updates; rows with errors are skipped and counted.

Idempotent by MIS id: pupils are matched by (school, `mis_id`), households by (school, household
key), contacts by (household, contact MIS id) or, without one, by (household, first and last
name). Importing the same file twice changes nothing the second time. Nothing is ever deleted,
and a blank phone, mobile or email cell never erases a number the school has already saved.

A cell that starts with `=`, `+`, `-` or `@` (a spreadsheet formula, or "CSV injection") is
refused with a message, never stored; the one exception is a phone number such as
`+44 7700 900123`, which is a valid number and not a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils import timezone

from . import audit
from .enums import AuditAction
from .models import Contact, Household, Pupil, School, User, normalise_postcode, uk_phone, uk_postcode

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
CHUNK = 1_000  # ids per IN (...) query, well under SQLite's limit on query parameters

PUPIL_COLUMNS = ["mis_id", "first_name", "last_name", "date_of_birth", "year_group"]
HOUSEHOLD_COLUMNS = ["household_mis_id", "household_name", "address_line1", "address_line2", "town", "postcode"]
CONTACT_FIELDS = [
    "mis_id",
    "first_name",
    "last_name",
    "relationship",
    "parental_responsibility",
    "phone",
    "mobile",
    "email",
    "may_discuss",
]
CONTACT_SLOTS = (1, 2)
COLUMNS = PUPIL_COLUMNS + HOUSEHOLD_COLUMNS + [f"contact{n}_{name}" for n in CONTACT_SLOTS for name in CONTACT_FIELDS]
REQUIRED_COLUMNS = [
    "mis_id",
    "first_name",
    "last_name",
    "date_of_birth",
    "year_group",
    "household_mis_id",
    "address_line1",
    "town",
    "postcode",
]
PHONE_COLUMNS = {f"contact{n}_{name}" for n in CONTACT_SLOTS for name in ("phone", "mobile")}
LABELS = {
    "mis_id": "MIS id",
    "first_name": "first name",
    "last_name": "last name",
    "date_of_birth": "date of birth",
    "year_group": "year group",
    "household_mis_id": "household id",
    "household_name": "household name",
    "address_line1": "address line 1",
    "address_line2": "address line 2",
    "town": "town",
    "postcode": "postcode",
}
MAX_LENGTHS = {
    "mis_id": 50,
    "first_name": 100,
    "last_name": 100,
    "year_group": 20,
    "household_mis_id": 50,
    "household_name": 150,
    "address_line1": 150,
    "address_line2": 150,
    "town": 100,
    "postcode": 10,
} | {f"contact{n}_{name}": length for n in CONTACT_SLOTS for name, length in [
    ("mis_id", 50), ("first_name", 100), ("last_name", 100), ("relationship", 50), ("phone", 20), ("mobile", 20),
    ("email", 254),
]}  # fmt: skip
FORMULA_STARTS = ("=", "+", "-", "@")
YES = {"y", "yes", "true", "1"}
NO = {"n", "no", "false", "0"}
YEAR_GROUP_WORDS = {
    "n": "Nursery",
    "nursery": "Nursery",
    "r": "Reception",
    "rec": "Reception",
    "reception": "Reception",
}
# An id a spreadsheet turned into a number and wrote as 1.23457E+11: the real id is lost.
SCIENTIFIC = re.compile(r"^\d+(\.\d+)?E\+?\d+$", re.IGNORECASE)
ID_COLUMNS = {"mis_id", "household_mis_id"} | {f"contact{n}_mis_id" for n in CONTACT_SLOTS}
YEAR_GROUP_NUMBER = re.compile(r"^(?:y|yr|year)?\s*(\d{1,2})$", re.IGNORECASE)
email_ok = EmailValidator()


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong type, encoding, missing columns, too big). The
    message is written for the person who uploaded it."""


class Outcome:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass
class RowResult:
    """One row of the file, as the preview shows it."""

    line: int  # the line of the file, as a spreadsheet numbers it (the header is line 1)
    mis_id: str = ""
    pupil_name: str = ""
    household_key: str = ""
    postcode: str = ""
    outcome: str = Outcome.ERROR
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    # Cleaned values, kept only while the plan is built.
    pupil: dict = field(default_factory=dict, repr=False)
    household: dict = field(default_factory=dict, repr=False)
    contacts: list[dict] = field(default_factory=list, repr=False)


@dataclass
class Plan:
    """What an import would do: the preview, and the rows to write when confirmed."""

    school: School
    rows: list[RowResult]
    new_households: dict[str, Household] = field(default_factory=dict)
    changed_households: dict[str, Household] = field(default_factory=dict)
    new_pupils: list[Pupil] = field(default_factory=list)
    changed_pupils: list[Pupil] = field(default_factory=list)
    # Pupils and contacts of households not saved yet wait for their household's primary key.
    pupil_household_keys: dict[int, str] = field(default_factory=dict)
    new_contacts: list[tuple[str, Contact]] = field(default_factory=list)
    changed_contacts: list[Contact] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def summary(self) -> dict[str, int]:
        return {
            "rows": len(self.rows),
            "created": self.count(Outcome.CREATED),
            "updated": self.count(Outcome.UPDATED),
            "unchanged": self.count(Outcome.UNCHANGED),
            "skipped": self.count(Outcome.ERROR),
        }

    @property
    def has_changes(self) -> bool:
        return any(row.outcome in (Outcome.CREATED, Outcome.UPDATED) for row in self.rows)


# --- 1. bytes to text -------------------------------------------------------------------------------


def decode(raw: bytes) -> str:
    """The file's text: UTF-8 (a leading byte-order mark is dropped) or Windows-1252."""
    if len(raw) > MAX_BYTES:
        raise ImportFileError(
            f"The file is {len(raw) / 1024 / 1024:.1f} MB; the largest file you can import is "
            f"{MAX_BYTES // 1024 // 1024} MB. Split it into smaller files (for example one per year group)."
        )
    if not raw.strip():
        raise ImportFileError("The file is empty. Export the pupils from your MIS as CSV and try again.")
    if b"\x00" in raw:
        raise ImportFileError(
            "This is not a CSV file (it looks like a spreadsheet or another binary file). In Excel choose "
            "File > Save As > 'CSV UTF-8 (Comma delimited)', then upload that file."
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            "The file's characters cannot be read. Save it from Excel as 'CSV UTF-8 (Comma delimited)' and try again."
        ) from exc


# --- 2. checking the rows -----------------------------------------------------------------------------


def _header(cells: list[str]) -> list[str]:
    return [cell.strip().lower().replace(" ", "_").replace("-", "_") for cell in cells]


def _read(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    # Excel in some locales saves "CSV" with semicolons; some MIS exports use tabs.
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = []
        header = None
        for cells in reader:
            if header is None:
                header = _header(cells)
                continue
            if not any(cell.strip() for cell in cells):
                continue  # blank line
            rows.append((reader.line_num, cells))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(
                    f"The file has more than {MAX_ROWS:,} pupils. Split it into smaller files and import each."
                )
    except csv.Error as exc:
        raise ImportFileError(
            f"The file could not be read as CSV near line {reader.line_num}. Export it again from your MIS as CSV."
        ) from exc
    if header is None:
        raise ImportFileError("The file is empty. Export the pupils from your MIS as CSV and try again.")
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ImportFileError(
            "The first line of the file must name the columns. Missing: "
            + ", ".join(missing)
            + ". See 'MIS import' in the guide for the column names."
        )
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    if duplicated:
        raise ImportFileError("These columns appear twice in the first line: " + ", ".join(duplicated) + ".")
    if not rows:
        raise ImportFileError("The file has column names but no pupils.")
    return header, rows


def _cells(header: list[str], cells: list[str], errors: list[str]) -> dict[str, str]:
    if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
        errors.append(
            f"This row has {len(cells)} cells but the first line names {len(header)} columns: "
            "check for a stray comma, or an address with a comma that is not in quotes."
        )
    values = {}
    for name, cell in zip(header, cells, strict=False):
        if name in COLUMNS:
            values[name] = cell
    return {name: values.get(name, "") for name in COLUMNS}


def _label(column: str) -> str:
    if column.startswith("contact"):
        slot, _, name = column.partition("_")
        return f"contact {slot[-1]} {LABELS.get(name, name.replace('_', ' '))}"
    return LABELS.get(column, column.replace("_", " "))


def _clean_cells(raw: dict[str, str], errors: list[str]) -> dict[str, str]:
    """Strip every cell; refuse formulas, line breaks and over-long values, naming the column."""
    clean = {}
    for column, value in raw.items():
        value = value.strip()
        is_phone = column in PHONE_COLUMNS and value.startswith("+") and _valid_phone(value)
        if value.startswith(FORMULA_STARTS) and not is_phone:
            errors.append(
                f"The {_label(column)} starts with '{value[0]}', which a spreadsheet would treat as a formula. "
                "Correct the cell in your MIS or spreadsheet and upload again."
            )
            value = ""
        elif column in ID_COLUMNS and SCIENTIFIC.match(value):
            errors.append(
                f"The {_label(column)} '{value}' looks like a number a spreadsheet rounded: the real id is lost. "
                "Format the column as text and export again."
            )
            value = ""
        elif "\n" in value or "\r" in value:
            errors.append(f"The {_label(column)} has a line break in it. Put it on one line.")
            value = ""
        elif column in MAX_LENGTHS and len(value) > MAX_LENGTHS[column]:
            errors.append(f"The {_label(column)} is longer than {MAX_LENGTHS[column]} characters.")
            value = ""
        clean[column] = value
    return clean


def _valid_phone(value: str) -> bool:
    try:
        uk_phone(value)
    except ValidationError:
        return False
    return True


def _date_of_birth(value: str, errors: list[str]) -> dt.date | None:
    if not value:
        errors.append("The date of birth is missing.")
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            born = dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a date, not a moment
        except ValueError:
            continue
        today = timezone.localdate()
        if born > today:
            errors.append(f"The date of birth {value} is in the future.")
            return None
        if born.year < today.year - 25:
            errors.append(f"The date of birth {value} is more than 25 years ago: check the year.")
            return None
        return born
    errors.append(f"The date of birth '{value}' is not a date in the form dd/mm/yyyy, for example 23/04/2019.")
    return None


def year_group(value: str) -> str:
    """A year group as the school writes it: "R" or "Rec" is Reception, "3", "Y3" is Year 3."""
    word = YEAR_GROUP_WORDS.get(value.lower())
    if word:
        return word
    match = YEAR_GROUP_NUMBER.match(value)
    if match and 1 <= int(match.group(1)) <= 13:
        return f"Year {int(match.group(1))}"
    return value


def _yes_no(value: str, label: str, errors: list[str], default: bool | None = None) -> bool | None:
    lowered = value.lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    if not value and default is not None:
        return default
    errors.append(f"The {label} must be Y or N{f', not {value!r}' if value else ''}.")
    return None


def _contact(values: dict[str, str], slot: int, errors: list[str]) -> dict | None:
    prefix = f"contact{slot}_"
    cells = {name: values[prefix + name] for name in CONTACT_FIELDS}
    if not any(cells.values()):
        return None
    label = f"contact {slot}"
    for name in ("first_name", "last_name", "relationship"):
        if not cells[name]:
            errors.append(f"The {label} {name.replace('_', ' ')} is missing.")
    responsibility = _yes_no(cells["parental_responsibility"], f"{label} parental responsibility (Y/N)", errors)
    # Blank "may discuss": an adult with parental responsibility may be spoken to, others not
    # unless the MIS says so (hc15).
    may_discuss = _yes_no(cells["may_discuss"], f"{label} 'may be spoken to' (Y/N)", errors, bool(responsibility))
    for name in ("phone", "mobile"):
        if cells[name] and not _valid_phone(cells[name]):
            errors.append(f"The {label} {name} '{cells[name]}' is not a phone number, for example 0161 496 0000.")
        elif cells[name] and not cells[name].startswith(("0", "+")):
            errors.append(
                f"The {label} {name} '{cells[name]}' does not start with 0 or +44: a spreadsheet may have "
                "dropped its leading 0. Format the column as text and export again."
            )
    if cells["email"]:
        try:
            email_ok(cells["email"])
        except ValidationError:
            errors.append(f"The {label} email '{cells['email']}' is not an email address.")
    return {
        "mis_id": cells["mis_id"],
        "first_name": cells["first_name"],
        "last_name": cells["last_name"],
        "relationship": cells["relationship"],
        "parental_responsibility": bool(responsibility),
        "may_discuss_pupil": bool(may_discuss),
        "phone": cells["phone"],
        "mobile": cells["mobile"],
        "email": cells["email"],
    }


def _check_row(line: int, header: list[str], cells: list[str]) -> RowResult:
    errors: list[str] = []
    values = _clean_cells(_cells(header, cells, errors), errors)
    row = RowResult(
        line=line,
        mis_id=values["mis_id"],
        pupil_name=f"{values['first_name']} {values['last_name']}".strip(),
        household_key=values["household_mis_id"],
    )
    for column in REQUIRED_COLUMNS:
        if column != "date_of_birth" and not values[column] and not any(_label(column) in e for e in errors):
            errors.append(f"The {_label(column)} is missing.")
    born = _date_of_birth(values["date_of_birth"], errors)
    postcode = values["postcode"]
    if postcode:
        try:
            uk_postcode(postcode)
            postcode = normalise_postcode(postcode)
        except ValidationError:
            errors.append(f"The postcode '{postcode}' is not a UK postcode, for example M14 5AB.")
    row.postcode = postcode
    contacts = [c for slot in CONTACT_SLOTS if (c := _contact(values, slot, errors)) is not None]
    if len(contacts) == 2 and _contact_key(contacts[0]) == _contact_key(contacts[1]):
        errors.append("Contact 1 and contact 2 are the same person.")
    row.errors = errors
    if not errors:
        row.pupil = {
            "mis_id": values["mis_id"],
            "first_name": values["first_name"],
            "last_name": values["last_name"],
            "date_of_birth": born,
            "year_group": year_group(values["year_group"]),
        }
        row.household = {
            "mis_id": values["household_mis_id"],
            "name": values["household_name"],
            "address_line1": values["address_line1"],
            "address_line2": values["address_line2"],
            "town": values["town"],
            "postcode": postcode,
        }
        row.contacts = contacts
    return row


def check_file(text: str) -> int:
    """The number of pupil rows, or ImportFileError if the file as a whole cannot be used."""
    return len(_read(text)[1])


def _contact_key(contact: dict | Contact) -> tuple:
    get = contact.get if isinstance(contact, dict) else lambda name: getattr(contact, name)
    if get("mis_id"):
        return ("mis", get("mis_id"))
    return ("name", get("first_name").casefold(), get("last_name").casefold())


def _in_chunks(queryset, field_name: str, values: list) -> list:
    found = []
    for start in range(0, len(values), CHUNK):
        found.extend(queryset.filter(**{f"{field_name}__in": values[start : start + CHUNK]}))
    return found


HOUSEHOLD_FIELDS = ("address_line1", "address_line2", "town", "postcode")
PUPIL_FIELDS = ("first_name", "last_name", "date_of_birth", "year_group")
CONTACT_COMPARED = ("first_name", "last_name", "relationship", "parental_responsibility", "may_discuss_pupil")
CONTACT_KEPT_WHEN_BLANK = ("phone", "mobile", "email")


def _adopt_households(
    school: School, valid: list[RowResult], households: dict[str, Household], pupils: dict[str, Pupil]
) -> set[str]:
    """Households the school made by hand (no MIS id) whose pupils the file names: they take
    the file's household key rather than a new household being made, so that their visits,
    known risks and contacts stay together. Adds them to `households`; returns their keys."""
    wanted = {}
    for row in valid:
        key = row.household["mis_id"]
        pupil = pupils.get(row.mis_id)
        if key not in households and pupil is not None:
            wanted.setdefault(key, pupil.household_id)
    candidates = {
        h.pk: h
        for h in _in_chunks(Household.objects.filter(school=school, mis_id=""), "pk", sorted(set(wanted.values())))
    }
    adopted = set()
    for key, household_id in wanted.items():
        household = candidates.pop(household_id, None)  # one household takes one key only
        if household is not None:
            household.mis_id = key
            households[key] = household
            adopted.add(key)
    return adopted


def build_plan(text: str, school: School) -> Plan:
    """Check every row and work out what importing it would do. Writes nothing."""
    header, raw_rows = _read(text)
    rows = [_check_row(line, header, cells) for line, cells in raw_rows]

    # Duplicate MIS ids in the file: none of those rows is imported, each says where the others are.
    lines_by_id: dict[str, list[int]] = {}
    for row in rows:
        if row.mis_id:
            lines_by_id.setdefault(row.mis_id, []).append(row.line)
    for row in rows:
        lines = lines_by_id.get(row.mis_id, [])
        if len(lines) > 1:
            others = ", ".join(str(n) for n in lines if n != row.line)
            row.errors.append(f"The MIS id {row.mis_id} is also on line {others}: each pupil must appear once.")

    # One household, one address; one contact, one set of details: the first valid row decides.
    household_rows: dict[str, RowResult] = {}
    contact_rows: dict[tuple, tuple[dict, int]] = {}
    for row in rows:
        if row.errors:
            continue
        key = row.household["mis_id"]
        first = household_rows.setdefault(key, row)
        if first is not row and any(first.household[f] != row.household[f] for f in HOUSEHOLD_FIELDS):
            row.errors.append(f"Household {key} has a different address on line {first.line}.")
            continue
        if first is not row and row.household["name"] and row.household["name"] != first.household["name"]:
            if first.household["name"]:
                row.errors.append(f"Household {key} has a different household name on line {first.line}.")
                continue
            first.household["name"] = row.household["name"]
        for contact in row.contacts:
            seen = contact_rows.setdefault((key, _contact_key(contact)), (contact, row.line))
            if seen[0] != contact:
                who = f"{contact['first_name']} {contact['last_name']}"
                row.errors.append(f"The details of {who} differ from line {seen[1]}.")
                break

    plan = Plan(school=school, rows=rows)
    valid = [row for row in rows if not row.errors]
    for row in rows:
        if row.errors:
            row.outcome = Outcome.ERROR

    # What the school holds already: a handful of bulk queries, however long the file.
    households = {
        h.mis_id: h for h in _in_chunks(Household.objects.filter(school=school), "mis_id", list(household_rows))
    }
    pupils = {
        p.mis_id: p for p in _in_chunks(Pupil.objects.filter(school=school), "mis_id", [row.mis_id for row in valid])
    }
    adopted = _adopt_households(school, valid, households, pupils)
    contacts_by_household: dict[int, dict[tuple, Contact]] = {}
    for contact in _in_chunks(Contact.objects.all(), "household_id", [h.pk for h in households.values()]):
        contacts_by_household.setdefault(contact.household_id, {})[_contact_key(contact)] = contact

    # Households: new, changed or the same.
    household_changes: dict[str, list[str]] = {}
    for key, first in household_rows.items():
        if first.errors:
            continue
        data = first.household
        existing = households.get(key)
        if existing is None:
            name = (
                data["name"]
                or f"{(first.contacts[0]['last_name'] if first.contacts else first.pupil['last_name'])} family"
            )
            plan.new_households[key] = Household(
                school=school, mis_id=key, name=name, **{f: data[f] for f in HOUSEHOLD_FIELDS}
            )
            household_changes[key] = ["new household"]
            continue
        changed = [f for f in HOUSEHOLD_FIELDS if getattr(existing, f) != data[f]]
        if key in adopted:
            changed.append("mis_id")
        if data["name"] and data["name"] != existing.name:
            changed.append("name")
            existing.name = data["name"]
        for f in HOUSEHOLD_FIELDS:
            setattr(existing, f, data[f])
        if changed:
            plan.changed_households[key] = existing
            labels = {"mis_id": "household linked to its MIS id", "name": "household name"}
            household_changes[key] = [labels.get(f, "address") for f in changed]

    household_ids = {key: h.pk for key, h in households.items()}
    contacts_planned: set[tuple] = set()
    for row in valid:
        if row.errors:  # a household or contact conflict found above
            continue
        key = row.household["mis_id"]
        changes = list(dict.fromkeys(household_changes.get(key, [])))
        pupil = pupils.get(row.mis_id)
        if pupil is None:
            pupil = Pupil(school=school, **row.pupil)
            plan.new_pupils.append(pupil)
            plan.pupil_household_keys[id(pupil)] = key
            row.outcome = Outcome.CREATED
        else:
            changed = [f for f in PUPIL_FIELDS if getattr(pupil, f) != row.pupil[f]]
            moved = household_ids.get(key) != pupil.household_id
            for f in PUPIL_FIELDS:
                setattr(pupil, f, row.pupil[f])
            if moved:
                plan.pupil_household_keys[id(pupil)] = key
            if changed or moved:
                plan.changed_pupils.append(pupil)
                changes += [f.replace("_", " ") for f in changed] + (["household"] if moved else [])
        existing_contacts = contacts_by_household.get(household_ids.get(key), {})
        for data in row.contacts:
            ckey = (key, _contact_key(data))
            contact = existing_contacts.get(_contact_key(data))
            name = f"{data['first_name']} {data['last_name']}"
            if contact is None:
                if ckey not in contacts_planned:
                    plan.new_contacts.append((key, Contact(**data)))
                contacts_planned.add(ckey)
                changes.append(f"new contact {name}")
                continue
            differs = [f for f in CONTACT_COMPARED if getattr(contact, f) != data[f]]
            differs += [f for f in CONTACT_KEPT_WHEN_BLANK if data[f] and getattr(contact, f) != data[f]]
            if differs:
                for f in CONTACT_COMPARED:
                    setattr(contact, f, data[f])
                for f in CONTACT_KEPT_WHEN_BLANK:
                    if data[f]:
                        setattr(contact, f, data[f])
                if ckey not in contacts_planned:
                    plan.changed_contacts.append(contact)
                contacts_planned.add(ckey)
                changes.append(f"contact {name}")
        row.changes = list(dict.fromkeys(changes))
        if row.outcome != Outcome.CREATED:
            row.outcome = Outcome.UPDATED if row.changes else Outcome.UNCHANGED
    return plan


# --- 3. saving -------------------------------------------------------------------------------------


@dataclass
class Result:
    created: int
    updated: int
    unchanged: int
    skipped: int
    households_created: int
    households_updated: int


def apply_plan(plan: Plan, user: User | None) -> Result:
    """Write the plan's valid rows in one transaction (all or nothing) with bulk queries, and
    one audit entry per household created or changed plus one for the import as a whole."""
    school = plan.school
    with transaction.atomic():
        Household.objects.bulk_create(list(plan.new_households.values()), batch_size=500)
        now = timezone.now()
        for household in plan.changed_households.values():
            household.updated_at = now  # bulk_update does not apply auto_now
        Household.objects.bulk_update(
            list(plan.changed_households.values()), ["name", "mis_id", *HOUSEHOLD_FIELDS, "updated_at"], batch_size=500
        )
        # Fetched again rather than trusting bulk_create to fill in primary keys on every database.
        keys = list({*plan.new_households, *plan.pupil_household_keys.values(), *(k for k, _ in plan.new_contacts)})
        ids = dict(
            (h.mis_id, h.pk)
            for h in _in_chunks(Household.objects.filter(school=school).only("id", "mis_id"), "mis_id", keys)
        )
        for pupil in plan.new_pupils + plan.changed_pupils:
            if id(pupil) in plan.pupil_household_keys:
                pupil.household_id = ids[plan.pupil_household_keys[id(pupil)]]
        Pupil.objects.bulk_create(plan.new_pupils, batch_size=500)
        Pupil.objects.bulk_update(plan.changed_pupils, ["household", *PUPIL_FIELDS], batch_size=500)
        new_contacts = []
        for key, contact in plan.new_contacts:
            contact.household_id = ids[key]
            new_contacts.append(contact)
        Contact.objects.bulk_create(new_contacts, batch_size=500)
        Contact.objects.bulk_update(
            plan.changed_contacts, [*CONTACT_COMPARED, *CONTACT_KEPT_WHEN_BLANK], batch_size=500
        )
        summary = plan.summary
        audit.record_many(
            user,
            AuditAction.CREATE,
            _in_chunks(
                Household.objects.filter(school=school).only("code", "school_id"), "mis_id", list(plan.new_households)
            ),
            detail="created by MIS import",
        )
        audit.record_many(
            user, AuditAction.UPDATE, list(plan.changed_households.values()), detail="changed by MIS import"
        )
        audit.record(
            user,
            AuditAction.CREATE,
            object_type="mis import",
            school=school,
            detail=(
                f"MIS import: {summary['created']} created, {summary['updated']} updated, "
                f"{summary['unchanged']} unchanged, {summary['skipped']} skipped"
            ),
        )
    return Result(
        created=summary["created"],
        updated=summary["updated"],
        unchanged=summary["unchanged"],
        skipped=summary["skipped"],
        households_created=len(plan.new_households),
        households_updated=len(plan.changed_households),
    )
