"""The figures of the reports (issue 17): the one module that counts; views only show them.

A report covers the visits of some schools whose date (`scheduled_start`) falls in a range of whole
UK days, drafts left out (a draft was never asked for). Every figure is one of `FILTERS`: a
condition on a visit, written once, that both counts (a conditional aggregate) and lists (the
visits behind the figure, `visits_behind`). Counting is a fixed number of queries, whatever the
number of visits: one for the visits' figures (grouped by school), one for the alarms, one for the
concerns. Nothing is looped over in Python but schools and the figures' names.

Figures read only what an erased (anonymised) visit keeps: statuses, dates, type, reasons, flags,
visitors, alarms (timeline kinds and times), concern kinds and dates, CPOMS entry, the risk level
reviewed. Never the family's text or address.

The governors' report (`for_governors`) shows the same counts with small numbers suppressed: a
count of 1 to 4 is shown as "fewer than 5" (primary suppression), and in each group of figures that
adds up to a total shown elsewhere (by status, by type...), if only one cell would be hidden, the
next smallest is hidden too (secondary suppression), so no hidden cell can be worked out by
subtracting the others from the total.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    Max,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import TruncDate, TruncTime
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual

from safeguarding.models import Concern, ConcernAction, ConcernActionKind, ConcernKind, CpomsEntry, RiskLevel
from visits.enums import EventKind, Reason, Status, VisitType
from visits.models import School, Visit, VisitEvent, VisitReason, VisitRecord

LONDON = ZoneInfo("Europe/London")
ROW_HEIGHT = 40  # the chart's height per figure (label above its bar)
BAR_WIDTH = 300  # the widest bar, in the chart's units (the chart is 400 wide)
SMALL = 5  # counts below this (but above 0) are hidden on the governors' report
FEWER = "fewer than 5"
HIDDEN = "not shown"


def london_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=LONDON)


def in_range(qs, start: dt.date, end: dt.date, field_name: str = "scheduled_start"):
    """Rows whose `field_name` falls on the UK days `start` to `end`, both included."""
    return qs.filter(
        **{f"{field_name}__gte": london_midnight(start), f"{field_name}__lt": london_midnight(end + dt.timedelta(1))}
    )


def _has(model, **lookups) -> Exists:
    return Exists(model.objects.filter(visit=OuterRef("pk"), **lookups))


def _concern_action(kind: str) -> Exists:
    return Exists(ConcernAction.objects.filter(concern__visit=OuterRef("pk"), kind=kind))


OPEN_STATES = sorted(Status.open() - {Status.DRAFT})


def _local(name: str, trunc) -> Func:
    return trunc(name, tzinfo=LONDON)


# hc13: as `Visit.is_evening` says it, in the database: starting at or after the school's evening
# cut-off, ending after it, or ending on a later day (UK time).
EVENING = (
    Q(GreaterThanOrEqual(_local("scheduled_start", TruncTime), F("school__evening_cutoff")))
    | Q(GreaterThan(_local("expected_end", TruncTime), F("school__evening_cutoff")))
    | Q(GreaterThan(_local("expected_end", TruncDate), _local("scheduled_start", TruncDate)))
)
ALARM_KINDS = {"overdue": EventKind.OVERDUE, "code_word": EventKind.CODE_WORD_USED}
REFERRALS = [
    (ConcernActionKind.REFERRAL_CSC, "Referral to children's social care"),
    (ConcernActionKind.EARLY_HELP, "Early help"),
    (ConcernActionKind.POLICE, "Police"),
    (ConcernActionKind.OTHER, "Other action"),
]


@dataclass(frozen=True)
class Figure:
    """One figure: its filter (`key`, `value`, as the list's query string), its label, and the
    condition on a visit."""

    key: str
    value: str
    label: str
    condition: Q | Exists


@dataclass(frozen=True)
class Group:
    """Figures shown together, as one chart and its table. `partition`: the figures add up to the
    group's `total_of` figure (shown in another group), so the governors' report hides a second
    cell when it hides one (secondary suppression)."""

    key: str
    title: str
    figures: tuple[Figure, ...]
    partition: bool = False
    note: str = ""


def _f(key: str, value: str, label: str, condition) -> Figure:
    return Figure(key, value, label, condition)


GROUPS: tuple[Group, ...] = (
    Group(
        "status",
        "Visits by what happened",
        (
            _f("status", "completed", "Completed", Q(status=Status.COMPLETED)),
            _f("status", "cancelled", "Cancelled", Q(status=Status.CANCELLED)),
            _f("status", "declined", "Declined", Q(status=Status.DECLINED)),
            _f("status", "open", "Not finished yet", Q(status__in=OPEN_STATES)),
        ),
        partition=True,
    ),
    Group(
        "type",
        "Visits by type",
        tuple(_f("type", value, label, Q(visit_type=value)) for value, label in VisitType.choices),
        partition=True,
    ),
    Group(
        "announced",
        "Family told in advance",
        (
            _f("announced", "yes", "Told in advance", Q(family_informed=True)),
            _f("announced", "no", "Not told in advance", Q(family_informed=False)),
        ),
        partition=True,
    ),
    Group(
        "reason",
        "Visits by reason",
        tuple(_f("reason", value, label, _has(VisitReason, reason=value)) for value, label in Reason.choices),
        # Treated as adding up to the total: most visits have one reason.
        partition=True,
        note="A visit can have more than one reason.",
    ),
    Group(
        "flag",
        "How visits were made",
        (
            _f("flag", "lone", "One member of staff alone", Q(second_visitor__isnull=True, agency_worker_name="")),
            _f("flag", "evening", "After the school's evening cut-off", EVENING),
        ),
    ),
    Group(
        "outcome",
        "Outcome of completed visits",
        (
            _f(
                "outcome",
                "seen",
                "Carried out, child seen",
                Q(status=Status.COMPLETED) & _has(VisitRecord, conducted=True, child_seen=True),
            ),
            _f(
                "outcome",
                "not_seen",
                "Carried out, child not seen",
                Q(status=Status.COMPLETED) & _has(VisitRecord, conducted=True, child_seen=False),
            ),
            _f(
                "outcome",
                "not_conducted",
                "Not carried out (no responsible adult)",
                Q(status=Status.COMPLETED) & _has(VisitRecord, conducted=False),
            ),
        ),
        partition=True,
    ),
    Group(
        "alarm",
        "Visits with an alarm",
        (
            _f("alarm", "overdue", "Overdue alarm", _has(VisitEvent, kind=EventKind.OVERDUE)),
            _f("alarm", "code_word", "Code word used", _has(VisitEvent, kind=EventKind.CODE_WORD_USED)),
        ),
    ),
    Group(
        "concern",
        "Visits with a concern raised",
        tuple(_f("concern", value, label, _has(Concern, kind=value)) for value, label in ConcernKind.choices),
    ),
    Group(
        "referral",
        "Visits whose concern led to",
        tuple(_f("referral", value, label, _concern_action(value)) for value, label in REFERRALS),
    ),
    Group(
        "cpoms",
        "Completed visits not yet on CPOMS",
        (
            _f(
                "cpoms",
                "backlog",
                "Not yet recorded on CPOMS",
                Q(status=Status.COMPLETED) & ~_has(CpomsEntry),
            ),
        ),
    ),
    Group(
        "risk",
        "Risk level of the assessment reviewed for the visit",
        (
            *(_f("risk", value, label, Q(risk_review__assessment__level=value)) for value, label in RiskLevel.choices),
            _f("risk", "none", "Not reviewed", Q(risk_review__isnull=True)),
        ),
        partition=True,
    ),
)

TOTAL = _f("all", "all", "All visits asked for", Q())
# key -> value -> figure: the filters the list of visits takes.
FILTERS: dict[str, dict[str, Figure]] = {TOTAL.key: {TOTAL.value: TOTAL}}
for _group in GROUPS:
    for _figure in _group.figures:
        FILTERS.setdefault(_figure.key, {})[_figure.value] = _figure
# The total each partition adds up to (the outcome of completed visits: the completed ones).
PARTITION_TOTAL = {"outcome": ("status", "completed")}


def _name(figure: Figure) -> str:
    return f"{figure.key}__{figure.value}"


def visits_in(school_ids, start: dt.date, end: dt.date):
    """The visits a report counts: of these schools, dated in the range, not drafts."""
    return in_range(Visit.objects.filter(school_id__in=list(school_ids)), start, end).exclude(status=Status.DRAFT)


def visits_behind(qs, key: str, value: str):
    """The visits of `qs` behind one figure (the list's filter); `qs` unchanged for an unknown one."""
    figure = FILTERS.get(key, {}).get(value)
    return qs if figure is None else qs.filter(figure.condition)


# --- the figures -----------------------------------------------------------------------------------


@dataclass
class Row:
    figure: Figure
    count: int
    shown: str = ""  # what the governors' report prints instead of the count ("" for the count)

    @property
    def label(self) -> str:
        return self.figure.label

    @property
    def query(self) -> str:
        return f"f={self.figure.key}&v={self.figure.value}"

    @property
    def text(self) -> str:
        return self.shown or str(self.count)

    @property
    def suppressed(self) -> bool:
        return bool(self.shown)


@dataclass
class Timing:
    label: str
    count: int
    average: dt.timedelta | None
    longest: dt.timedelta | None
    waiting: int = 0  # not yet acknowledged / resolved (-1: not shown)

    @property
    def average_text(self) -> str:
        return duration_words(self.average)

    @property
    def longest_text(self) -> str:
        return duration_words(self.longest)

    @property
    def waiting_text(self) -> str:
        return "not shown" if self.waiting < 0 else str(self.waiting)

    @property
    def count_text(self) -> str:
        return FEWER if self.hidden and self.count else str(self.count)

    @property
    def hidden(self) -> bool:
        return self.waiting < 0


def duration_words(value: dt.timedelta | None) -> str:
    """A time as staff say it: "12 min", "2 h 5 min", "3 days 4 h"; "none" when there is none."""
    if value is None:
        return "none"
    minutes = round(value.total_seconds() / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min"
    days, hours = divmod(hours, 24)
    return f"{days} days {hours} h"


@dataclass
class Section:
    group: Group
    rows: list[Row]
    scale: int = 1  # the chart's full width: the largest count in the report (at least 1)

    @property
    def title(self) -> str:
        return self.group.title

    @property
    def chart_height(self) -> int:
        return len(self.rows) * ROW_HEIGHT + 4

    @property
    def bars(self) -> list[dict]:
        """Each row's place in the chart: its label's and bar's y, the bar's width (none for a
        hidden count, so no bar gives it away)."""
        out = []
        for i, row in enumerate(self.rows):
            width = 0 if row.suppressed else round(row.count * BAR_WIDTH / max(self.scale, 1))
            y = i * ROW_HEIGHT
            out.append({"row": row, "label_y": y + 13, "bar_y": y + 18, "width": width, "value_x": width + 6})
        return out


@dataclass
class Report:
    """The figures of one school (or of the trust, in total)."""

    name: str
    total: Row
    sections: list[Section]
    alarms: list[Timing] = field(default_factory=list)
    concerns: list[Timing] = field(default_factory=list)
    key: str = ""  # the prefix of its headings' ids, where a page shows several reports

    def row(self, key: str, value: str) -> Row:
        if (key, value) == (TOTAL.key, TOTAL.value):
            return self.total
        return next(r for s in self.sections for r in s.rows if (r.figure.key, r.figure.value) == (key, value))


def _visit_counts(qs) -> dict[int, dict[str, int]]:
    """One query: every figure of `GROUPS`, per school."""
    aggregates = {_name(f): Count("pk", filter=f.condition) for g in GROUPS for f in g.figures}
    rows = qs.order_by().values("school_id").annotate(all__all=Count("pk"), **aggregates)
    return {row.pop("school_id"): row for row in rows}


def _duration(later: str, earlier: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


def _first_after(kind: str) -> Subquery:
    """The first timeline event of `kind` on the same visit at or after this alarm."""
    return Subquery(
        VisitEvent.objects.filter(visit=OuterRef("visit"), kind=kind, at__gte=OuterRef("at"))
        .order_by("at", "id")
        .values("at")[:1]
    )


def _alarm_timings(qs) -> dict[tuple[int, str], dict]:
    """One query: overdue and code-word alarms per school and kind, with the time from the alarm to
    its acknowledgement ("I'm on it" on the board) and to its resolution ("visitors safe")."""
    events = (
        VisitEvent.objects.filter(visit__in=qs.values("pk"), kind__in=ALARM_KINDS.values())
        .annotate(ack_at=_first_after(EventKind.ALARM_ACKNOWLEDGED), resolved_at=_first_after(EventKind.ALARM_RESOLVED))
        .annotate(to_ack=_duration("ack_at", "at"), to_resolve=_duration("resolved_at", "at"))
        .order_by()
        .values("visit__school_id", "kind")
        .annotate(
            n=Count("pk"),
            ack_avg=Avg("to_ack", output_field=DurationField()),
            ack_max=Max("to_ack"),
            unacknowledged=Count("pk", filter=Q(ack_at__isnull=True)),
            resolve_avg=Avg("to_resolve", output_field=DurationField()),
            resolve_max=Max("to_resolve"),
            unresolved=Count("pk", filter=Q(resolved_at__isnull=True)),
        )
    )
    return {(row["visit__school_id"], row["kind"]): row for row in events}


def _concern_timings(qs) -> dict[int, dict]:
    """One query: concerns raised on the visits, per school, with the time to acknowledgement."""
    rows = (
        Concern.objects.filter(visit__in=qs.values("pk"))
        .annotate(to_ack=_duration("acknowledged_at", "raised_at"))
        .order_by()
        .values("school_id")
        .annotate(
            n=Count("pk"),
            ack_avg=Avg("to_ack", output_field=DurationField()),
            ack_max=Max("to_ack"),
            unacknowledged=Count("pk", filter=Q(acknowledged_at__isnull=True)),
        )
    )
    return {row.pop("school_id"): row for row in rows}


ALARM_LABELS = {EventKind.OVERDUE: "Overdue alarms", EventKind.CODE_WORD_USED: "Code-word alarms"}


def _timings(alarms: dict, concerns: dict, school_ids) -> tuple[list[Timing], list[Timing]]:
    """Alarm and concern timings summed over `school_ids` (one school, or the trust)."""
    alarm_rows = []
    for kind, label in ALARM_LABELS.items():
        parts = [alarms[(s, kind)] for s in school_ids if (s, kind) in alarms]
        alarm_rows.append(_timing(f"{label}: time to acknowledge", parts, "ack", "unacknowledged"))
        alarm_rows.append(_timing(f"{label}: time to resolve", parts, "resolve", "unresolved"))
    parts = [concerns[s] for s in school_ids if s in concerns]
    return alarm_rows, [_timing("Concerns: time to acknowledge", parts, "ack", "unacknowledged")]


def _timing(label: str, parts: list[dict], prefix: str, waiting: str) -> Timing:
    """Several schools' rows joined: the average weighted by each school's answered count."""
    count = sum(p["n"] for p in parts)
    answered = [(p["n"] - p[waiting], p[f"{prefix}_avg"]) for p in parts if p[f"{prefix}_avg"] is not None]
    weight = sum(n for n, _ in answered)
    average = sum((avg * n for n, avg in answered), dt.timedelta()) / weight if weight else None
    longest = max((p[f"{prefix}_max"] for p in parts if p[f"{prefix}_max"] is not None), default=None)
    return Timing(label, count, average, longest, sum(p[waiting] for p in parts))


def _report(name: str, counts: dict[str, int]) -> Report:
    scale = max([1, *(counts.get(_name(f), 0) for g in GROUPS for f in g.figures)])
    sections = [Section(g, [Row(f, counts.get(_name(f), 0)) for f in g.figures], scale) for g in GROUPS]
    return Report(name, Row(TOTAL, counts.get(_name(TOTAL), 0)), sections)


def school_reports(school_ids, start: dt.date, end: dt.date) -> dict[int, Report]:
    """The report of each school in `school_ids` (schools with no visits in the range included)."""
    school_ids = list(school_ids)
    qs = visits_in(school_ids, start, end)
    counts = _visit_counts(qs)
    alarms, concerns = _alarm_timings(qs), _concern_timings(qs)
    names = dict(School.objects.filter(pk__in=school_ids).values_list("pk", "name"))
    reports = {}
    for school_id in sorted(school_ids, key=lambda s: names.get(s, "")):
        report = _report(names.get(school_id, ""), counts.get(school_id, {}))
        report.alarms, report.concerns = _timings(alarms, concerns, [school_id])
        reports[school_id] = report
    return reports


def trust_report(school_ids, start: dt.date, end: dt.date) -> tuple[dict[int, Report], Report]:
    """Each school's report and the trust's total (the sum of the schools')."""
    school_ids = list(school_ids)
    qs = visits_in(school_ids, start, end)
    counts = _visit_counts(qs)
    alarms, concerns = _alarm_timings(qs), _concern_timings(qs)
    names = dict(School.objects.filter(pk__in=school_ids).values_list("pk", "name"))
    per_school = {}
    summed: dict[str, int] = {}
    for school_id in sorted(school_ids, key=lambda s: names.get(s, "")):
        row = counts.get(school_id, {})
        for name, n in row.items():
            summed[name] = summed.get(name, 0) + n
        report = _report(names.get(school_id, ""), row)
        report.key = f"s{school_id}-"
        report.alarms, report.concerns = _timings(alarms, concerns, [school_id])
        per_school[school_id] = report
    total = _report("All schools", summed)
    total.alarms, total.concerns = _timings(alarms, concerns, school_ids)
    return per_school, total


# --- the governors' report: small numbers suppressed --------------------------------------------


def _primary(row: Row) -> None:
    if 0 < row.count < SMALL:
        row.shown = FEWER


def suppress(report: Report) -> Report:
    """Hide small counts (1 to 4: "fewer than 5"), then, in each group that adds up to a total,
    a second cell where only one is hidden (secondary suppression: "not shown"), so that no hidden
    count can be worked back from the total. Timings are dropped where fewer than 5 stand behind
    them. Changes and returns `report`."""
    _primary(report.total)
    for section in report.sections:
        for row in section.rows:
            _primary(row)
    for section in report.sections:
        if section.group.partition:
            _secondary(report, section)
    for timing in [*report.alarms, *report.concerns]:
        if timing.count < SMALL:
            timing.average = timing.longest = None
            timing.waiting = -1  # not shown
    # The charts' scale from shown counts only: a bar's width must not hint at a hidden count.
    scale = max([1, *(r.count for s in report.sections for r in s.rows if not r.suppressed)])
    for section in report.sections:
        section.scale = scale
    return report


def _secondary(report: Report, section: Section) -> None:
    total_of = PARTITION_TOTAL.get(section.group.key)
    total = report.row(*total_of) if total_of else report.total
    if total.suppressed:
        # The total is hidden: every non-zero cell of the group is at most the total, so small.
        for row in section.rows:
            if row.count and not row.suppressed:
                row.shown = HIDDEN
        return
    hidden = [r for r in section.rows if r.suppressed]
    if len(hidden) != 1:
        return
    others = sorted((r for r in section.rows if not r.suppressed), key=lambda r: (r.count == 0, r.count))
    if others:
        others[0].shown = HIDDEN


def for_governors(school_id: int, start: dt.date, end: dt.date) -> Report:
    return suppress(school_reports([school_id], start, end)[school_id])
