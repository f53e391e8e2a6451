"""Alarms that must reach people (hc18, hc19) and the school diary feeds (hc12).

An `Alert` is one email-worthy alarm on one visit, made and sent by `manage.py send_alerts`:
unique constraints make an overdue visit one alert and each code-word raise one alert, however
many servers run the command at once, and `sent_at` is set in the same transaction that sent it,
under a row lock taken with SKIP LOCKED, so no alert goes out twice.

A `CalendarFeed` is a secret, revocable iCalendar URL. Only a hash of its token is stored: a
stolen database backup does not open anyone's diary.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from visits.models import School, User, Visit, VisitEvent


class AlertKind(models.TextChoices):
    OVERDUE = "overdue", "Overdue (hc19)"
    CODE_WORD = "code_word", "Code word used (hc18)"


class Alert(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    # The CODE_WORD_USED event this alert is about: one alert per raise.
    event = models.OneToOneField(VisitEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="alert")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "kind"], condition=Q(kind="overdue"), name="alert_one_overdue_per_visit"
            ),
            models.CheckConstraint(
                condition=Q(kind="overdue", event__isnull=True) | Q(kind="code_word", event__isnull=False),
                name="alert_code_word_has_event",
            ),
        ]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(sent_at__isnull=True), name="alert_unsent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} alert for visit {self.visit_id}"


class FeedScope(models.TextChoices):
    SCHOOL = "school", "Whole school"
    VISITOR = "visitor", "My visits"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeed(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="calendar_feeds")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="calendar_feeds")
    scope = models.CharField(max_length=10, choices=FeedScope.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "school"])]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} feed of {self.school} ({self.owner})"

    @classmethod
    def issue(cls, owner: User, school: School, scope: str) -> tuple[CalendarFeed, str]:
        """A new feed and its token: shown once, never stored."""
        token = secrets.token_urlsafe(32)
        feed = cls.objects.create(owner=owner, school=school, scope=scope, token_hash=hash_token(token))
        return feed, token

    @classmethod
    def live_for_token(cls, token: str) -> CalendarFeed | None:
        return (
            cls.objects.select_related("owner", "school")
            .filter(token_hash=hash_token(token), revoked_at__isnull=True)
            .first()
        )
