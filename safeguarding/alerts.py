"""Alerts (hc18, hc19): the watch's alarms and the ladder, emailed once each.

Two passes, run every minute by `manage.py send_alerts` (cron, a systemd timer, or `--loop`
beside `make run`) and, for a code word, at once when it is raised (`on_code_word_raised`):
1. *Make* alerts. For every visit the school is waiting on (`visits.watch`), through the
   lifecycle under the visit's row lock: the alarm of a deadline that has passed (not set off,
   overdue, not back) is written once; a visit still open at the end of the school's day is
   raised (the sweep); an alarm nobody acknowledged climbs the ladder (every lead, then the head).
   Then one Alert per alarm event (and one per overdue visit, the first kind), inserted ON
   CONFLICT DO NOTHING against unique constraints, so two runners make each alert once.
2. *Send* them. One at a time, in its own transaction: take the oldest unsent alert with
   `SELECT ... FOR UPDATE SKIP LOCKED` (another runner holding it is skipped, not waited for),
   send, set `sent_at`, commit. The lock is held until `sent_at` is committed, so no other runner
   can send the same alert. A failed send rolls back and the alert is tried again next minute.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from safeguarding.models import Alert, AlertKind
from visits import lifecycle, moves, notify, watch
from visits.enums import EventKind, Role, Status
from visits.models import User, Visit, VisitEvent

log = logging.getLogger(__name__)

ALERT_ROLES = {Role.OFFICE, *Role.safeguarding()}
# The alarm events that make an alert of their own, and who it goes to.
EVENT_ALERTS: dict[str, tuple[str, frozenset[str]]] = {
    EventKind.CODE_WORD_USED: (AlertKind.CODE_WORD, frozenset(ALERT_ROLES)),
    EventKind.NOT_SET_OFF: (AlertKind.NOT_SET_OFF, frozenset(ALERT_ROLES)),
    EventKind.NOT_BACK: (AlertKind.NOT_BACK, frozenset(ALERT_ROLES)),
    EventKind.STILL_OPEN: (AlertKind.STILL_OPEN, frozenset(ALERT_ROLES)),
    EventKind.ESCALATED_TO_LEADS: (AlertKind.ESCALATED_LEADS, Role.safeguarding()),
    EventKind.ESCALATED_TO_HEAD: (AlertKind.ESCALATED_HEAD, frozenset({Role.HEAD})),
}
RECIPIENTS = {kind: roles for kind, roles in EVENT_ALERTS.values()} | {AlertKind.OVERDUE: frozenset(ALERT_ROLES)}
# How far back the runner looks for visits the school may still be waiting on.
LOOK_BACK = dt.timedelta(days=7)


def watched_visits(now: dt.datetime):
    """Visits the school may be waiting on, or with an alarm open: authorised or later, due in the
    last week or still under way, not back and not rung to say they are not returning."""
    since = now - LOOK_BACK
    return (
        Visit.objects.filter(status__in=moves.ALARM_STATES, scheduled_start__lt=now + dt.timedelta(days=1))
        .filter(Q(scheduled_start__gte=since) | Q(status=Status.IN_PROGRESS))
        .select_related("school")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=VisitEvent.objects.filter(kind__in=moves.ALARM_EVENTS).order_by("at", "id"),
                to_attr="alarm_events",
            )
        )
        .order_by("pk")
    )


def watch_visits(now: dt.datetime) -> int:
    """Pass 1 for the visits: deadlines passed, the end-of-day sweep, the ladder. Returns how many
    alarm events were written."""
    written = 0
    for visit in watched_visits(now):
        # Read without a lock first (the events are prefetched); each write locks and checks again.
        state = lifecycle.alarm_state(visit, visit.alarm_events, now)
        if state.missed is not None and lifecycle.record_missed(visit, now):
            written += 1
        if watch.still_open_at_day_end(visit, now) and lifecycle.record_still_open(visit, now):
            written += 1
        if (state.raised is not None or state.missed is not None) and state.acknowledged is None:
            written += bool(lifecycle.climb_ladder(visit, now))
    return written


def make_alerts(now=None) -> int:
    """Write the alarms that are due and make their alerts. Idempotent and safe to run concurrently."""
    now = now or timezone.now()
    watch_visits(now)
    overdue = VisitEvent.objects.filter(kind=EventKind.OVERDUE).exclude(
        Exists(Alert.objects.filter(visit=OuterRef("visit_id"), kind=AlertKind.OVERDUE))
    )
    new = [Alert(visit_id=e.visit_id, kind=AlertKind.OVERDUE, created_at=now) for e in overdue.only("id", "visit_id")]
    raised = VisitEvent.objects.filter(kind__in=EVENT_ALERTS).exclude(
        Exists(Alert.objects.filter(event=OuterRef("pk")))
    )
    new += [
        Alert(visit_id=e.visit_id, kind=EVENT_ALERTS[e.kind][0], event=e, created_at=now)
        for e in raised.only("id", "visit_id", "kind")
    ]
    if new:
        Alert.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _send(alert: Alert) -> int:
    visit = alert.visit
    visitors = [str(u) for u in User.objects.filter(pk__in=visit.visitor_ids)]
    if visit.agency_worker_name:
        visitors.append(f"{visit.agency_worker_name} ({visit.agency_worker_organisation})")
    context = {
        "kind": alert.kind,
        "school": visit.school.name,
        "visitors": ", ".join(visitors),
        "scheduled_start": visit.scheduled_start,
        "expected_end": visit.expected_end,
        "raised_at": alert.event.at if alert.event else None,
        "raised_by": alert.event.actor_name if alert.event else "",
        "what": alert.event.note if alert.event and alert.kind != AlertKind.CODE_WORD else "",
        "board_url": reverse("visits:board"),
        "visit_url": reverse("visits:detail", args=[visit.code]),
    }
    return notify.send("alarm", notify.school_emails(visit.school_id, set(RECIPIENTS[alert.kind])), context)


def send_due_alerts() -> int:
    """Send every unsent alert once; returns how many alerts were sent."""
    sent = 0
    failed: list[int] = []
    while True:
        with transaction.atomic():
            alert = (
                Alert.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("visit__school", "event")
                .filter(sent_at__isnull=True)
                .exclude(pk__in=failed)
                .order_by("created_at", "id")
                .first()
            )
            if alert is None:
                return sent
            try:
                with transaction.atomic():
                    alert.recipients = _send(alert)
                    alert.sent_at = timezone.now()
                    alert.save(update_fields=["sent_at", "recipients"])
            except Exception:  # noqa: BLE001 - one bad address must not stop the other alarms
                log.exception("alert %s could not be sent; will retry", alert.pk)
                failed.append(alert.pk)
                continue
        sent += 1


def on_code_word_raised(sender, visit_pk: int, **kwargs) -> None:
    """hc18: the leads hear of a code word at once, not at the next cron minute. Runs after the
    raise has committed; the cron run is the safety net if this send fails."""
    try:
        make_alerts()
        send_due_alerts()
    except Exception:  # noqa: BLE001 - the alarm is raised and on the board whatever email does
        log.exception("immediate code-word alert for visit %s failed; send_alerts will retry", visit_pk)
