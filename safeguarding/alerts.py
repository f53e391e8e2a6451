"""Alerts: overdue visits (hc19) and code-word alarms (hc18), emailed once each to the school's
office and safeguarding leads.

Two passes, run every minute by `manage.py send_alerts` and, for a code word, at once when it is
raised (`on_code_word_raised`):
1. *Make* alerts. A visit that has become overdue gets its one OVERDUE timeline event (through
   `lifecycle.record_overdue`, which locks the visit row) and one overdue Alert; every
   CODE_WORD_USED event gets one code-word Alert. Both inserts are ON CONFLICT DO NOTHING against
   unique constraints, so two servers making the same alert make one.
2. *Send* them. One at a time, in its own transaction: take the oldest unsent alert with
   `SELECT ... FOR UPDATE SKIP LOCKED` (another server holding it is skipped, not waited for),
   send, set `sent_at`, commit. The lock is held until `sent_at` is committed, so no other server
   can send the same alert. A failed send rolls back and the alert is tried again next minute.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from safeguarding.models import Alert, AlertKind
from visits import lifecycle, notify
from visits.enums import EventKind, Role, Status
from visits.models import User, Visit, VisitEvent

log = logging.getLogger(__name__)

ALERT_ROLES = {Role.OFFICE, *Role.safeguarding()}


def make_alerts(now=None) -> int:
    """Create the alerts that are due. Idempotent and safe to run concurrently."""
    now = now or timezone.now()
    candidates = (
        Visit.objects.filter(status=Status.IN_PROGRESS, left_at__isnull=True, expected_end__lt=now)
        .exclude(Exists(Alert.objects.filter(visit=OuterRef("pk"), kind=AlertKind.OVERDUE)))
        .select_related("school")
    )
    new = []
    for visit in candidates:
        if visit.is_overdue(now):  # the grace is per school, so judged in Python
            lifecycle.record_overdue(visit, now)
            new.append(Alert(visit=visit, kind=AlertKind.OVERDUE, created_at=now))
    raised = VisitEvent.objects.filter(kind=EventKind.CODE_WORD_USED).exclude(
        Exists(Alert.objects.filter(event=OuterRef("pk")))
    )
    new += [
        Alert(visit_id=e.visit_id, kind=AlertKind.CODE_WORD, event=e, created_at=now)
        for e in raised.only("id", "visit_id")
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
        "board_url": reverse("visits:board"),
        "visit_url": reverse("visits:detail", args=[visit.code]),
    }
    return notify.send("alarm", notify.school_emails(visit.school_id, ALERT_ROLES), context)


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
