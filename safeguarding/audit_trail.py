"""The audit trail as the leads and heads read it: filtered, paged, and exported as CSV.

One school's trail at a time (a lead of several schools picks one): every query then starts with
`school_id = ...` and walks one of the trail's indexes in `ORDERING`, so the first page, a page deep
in the trail and a filtered page each read about one page of index, whatever the table's size
(figures: bench/audit_trail_bench.py). The indexes:

- (school, at, id): the whole trail, and a date range;
- (school, username, at, id): one person;
- (school, object_code, at, id): one visit, or one family (the codes of its rows, see below);
- (school, action, at, id): one kind of action.

A family is resolved to codes first: the household itself, its contacts, pupils, visits, risk
assessments, and the concerns and incidents of its visits (each by its own indexed query), and the
trail is then filtered on `object_code IN (...)`. Codes are UUIDs, so no other object's row can match.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from homevisits import pagination, spreadsheet
from homevisits.spreadsheet import FORMULA_STARTS, escape_cell  # noqa: F401 (the one rule, re-exported)
from visits import audit
from visits.enums import AuditAction, EventKind, IncidentKind, Status
from visits.models import AuditEntry, Contact, Household, Pupil, Visit

from .models import AlertKind, Concern, ConcernActionKind, ConcernKind, ConcernStatus, Incident, RiskAssessment

ORDERING = ["-at", "-id"]
OBJECT_TYPE = "audit trail"
PER_PAGE = 50
EXPORT_CHUNK = 5000
LONDON = ZoneInfo("Europe/London")

CSV_HEADER = ["When (UK time)", "Who", "Action", "Object", "Object code", "Detail", "IP address", "Page", "School"]


# --- which rows ------------------------------------------------------------------------------------


def family_codes(school_id: int, households: Iterable[Household]) -> list[str]:
    """The codes of every object of these households that the trail may name (see the module)."""
    ids = [h.pk for h in households]
    visits = Visit.objects.filter(school_id=school_id, household_id__in=ids)
    codes: list = [h.code for h in households]
    codes += Contact.objects.filter(household_id__in=ids).values_list("code", flat=True)
    codes += Pupil.objects.filter(household_id__in=ids).values_list("code", flat=True)
    codes += visits.values_list("code", flat=True)
    codes += RiskAssessment.objects.filter(household_id__in=ids).values_list("code", flat=True)
    codes += Concern.objects.filter(visit__in=visits).values_list("code", flat=True)
    codes += Incident.objects.filter(visit__in=visits).values_list("code", flat=True)
    return sorted({str(c) for c in codes})


def visit_codes(visit: Visit) -> list[str]:
    """The visit's own code, with its concerns and incidents (their pages are about the visit)."""
    codes: list = [visit.code]
    codes += Concern.objects.filter(visit=visit).values_list("code", flat=True)
    codes += Incident.objects.filter(visit=visit).values_list("code", flat=True)
    return sorted({str(c) for c in codes})


def london_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=LONDON)


def entries(school_id: int, data: dict) -> QuerySet[AuditEntry]:
    """The trail of one school with the form's cleaned filters (each one optional)."""
    qs = AuditEntry.objects.filter(school_id=school_id)
    if data.get("person"):
        qs = qs.filter(username=data["person"])
    codes = None
    if data.get("households"):
        codes = family_codes(school_id, data["households"])
    if data.get("visit_obj") is not None:
        wanted = visit_codes(data["visit_obj"])
        codes = wanted if codes is None else sorted(set(codes) & set(wanted))
    if codes is not None:
        qs = qs.filter(object_code__in=codes)
    if data.get("action"):
        qs = qs.filter(action=data["action"])
    if data.get("date_from"):
        qs = qs.filter(at__gte=london_midnight(data["date_from"]))
    if data.get("date_to"):
        qs = qs.filter(at__lt=london_midnight(data["date_to"] + dt.timedelta(days=1)))
    return qs


# The codes a row's detail may hold (a status move "requested -> authorised", an event's kind, a
# concern's kind or action) and the words the lead reads instead. The stored row keeps the code: it
# is the record, and the CSV exports it as it is.
_WORDS = {
    str(value): str(label)
    for choices in (ConcernActionKind, ConcernStatus, ConcernKind, IncidentKind, AlertKind, EventKind, Status)
    for value, label in choices.choices
}


def detail_words(detail: str) -> str:
    """A row's detail in words: each code replaced by its label, a status move joined by an arrow;
    free text (a filter's description, a download's name) is left as it was written."""
    parts = [part.strip() for part in (detail or "").split("->")]
    if not all(part in _WORDS for part in parts):
        return detail
    return " \u2192 ".join(_WORDS[part] for part in parts)


def page(qs: QuerySet[AuditEntry], request) -> pagination.Page:
    """One page of the trail by keyset (`seek`). The cursor's time is also given to PostgreSQL as a
    plain bound (`at <= t` going on, `at >= t` going back): `seek`'s "(at < t) or (at = t and
    id < n)" is not an index condition by itself, and without the bound a page deep in the trail
    would read every newer row of the index first."""
    for key, lookup in (("after", "at__lte"), ("before", "at__gte")):
        cursor = request.GET.get(key)
        if cursor:
            values = pagination._decode(cursor, ORDERING, AuditEntry)
            if values is not None:
                qs = qs.filter(**{lookup: values[0]})
            break
    found = pagination.seek(qs, request, ORDERING, per_page=PER_PAGE)
    for entry in found.rows:
        entry.detail_words = detail_words(entry.detail)
    return found


# --- the export ------------------------------------------------------------------------------------


EXPORT_FIELDS = (
    "at",
    "id",
    "username",
    "action",
    "object_type",
    "object_code",
    "detail",
    "ip_address",
    "path",
    "school__name",
)


def _chunks(qs: QuerySet[AuditEntry]) -> Iterator[list[tuple]]:
    """All rows in `ORDERING` as tuples of `EXPORT_FIELDS`, `EXPORT_CHUNK` at a time, each chunk its
    own indexed query after the last row of the one before: no OFFSET, no model instances, and no
    more than a chunk in memory."""
    qs = qs.order_by(*ORDERING).values_list(*EXPORT_FIELDS)
    last = None
    while True:
        chunk = qs
        if last is not None:
            at, pk = last[0], last[1]
            chunk = qs.filter(Q(at__lt=at) | Q(at=at, id__lt=pk), at__lte=at)
        rows = list(chunk[:EXPORT_CHUNK])
        if not rows:
            return
        yield rows
        if len(rows) < EXPORT_CHUNK:
            return
        last = rows[-1]


def csv_lines(qs: QuerySet[AuditEntry]) -> Iterator[bytes]:
    """The CSV file, a chunk of lines at a time, UTF-8 with a byte order mark so that Excel reads it
    as UTF-8."""
    actions = dict(AuditAction.choices)
    yield spreadsheet.header(CSV_HEADER)
    for rows in _chunks(qs):
        out = []
        for at, _pk, username, action, object_type, code, detail, ip, path, school in rows:
            cells = (
                at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M:%S"),
                username,
                actions.get(action, action),
                object_type,
                code,
                detail,
                ip or "",
                path,
                school or "",
            )
            out.append(spreadsheet.row(cells))
        yield "".join(out).encode()


def describe(data: dict, what: str = "audit trail CSV") -> str:
    """The filters of an export or a look-up, for its own audit row: names and checked values only,
    never text that was typed (a person's username, a family's name)."""
    parts = []
    if data.get("person"):
        parts.append("person")
    if data.get("households"):
        n = len(data["households"])
        parts.append(f"family ({n} household{'s' if n != 1 else ''})")
    if data.get("visit_obj") is not None:
        parts.append(f"visit {data['visit_obj'].code}")
    if data.get("action"):
        parts.append(f"action {data['action']}")
    if data.get("date_from"):
        parts.append(f"from {data['date_from'].isoformat()}")
    if data.get("date_to"):
        parts.append(f"to {data['date_to'].isoformat()}")
    return what + (": " + ", ".join(parts) if parts else ": whole trail")


def is_lookup(data: dict) -> bool:
    """The trail asked about one person, family or visit (not a browse of the whole trail)."""
    return bool(data.get("person") or data.get("households") or data.get("visit_obj") is not None)


def record(user, action: str, data: dict, what: str) -> None:
    """The audit row of an export, or of a look-up of one person, family or visit: at the chosen
    school, naming the filters; about the family's household (one family) or the visit, so that
    the look-up shows in that family's or visit's own trail."""
    households = data.get("households") or []
    about = data.get("visit_obj") or (households[0] if len(households) == 1 else None)
    audit.record(user, action, about, object_type=OBJECT_TYPE, school=data["school"], detail=describe(data, what))


def filename(school_slug: str, data: dict, today: dt.date) -> str:
    first = data.get("date_from")
    last = data.get("date_to")
    span = f"-{first.isoformat() if first else 'start'}-to-{last.isoformat() if last else today.isoformat()}"
    return f"audit-trail-{school_slug}{span}.csv"
