"""Emails, from one helper. They say who and what kind, and link behind the sign-in: never a
pupil's name, an address, a code word or what anyone wrote (hc11, hc25)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from .enums import Role, VisitType

log = logging.getLogger(__name__)


def send(template: str, recipients: list[str], context: dict) -> int:
    """Render `emails/<template>.subject.txt`, `.txt` and `.html` and send one message per
    recipient (nobody learns who else was told). Returns how many were sent."""
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return 0
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL.rstrip("/"), **context}
    subject = " ".join(render_to_string(f"emails/{template}.subject.txt", context).split())
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    sent = 0
    for recipient in recipients:
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [recipient])
        message.attach_alternative(html, "text/html")
        sent += message.send(fail_silently=False)
    log.info("sent %s email to %d recipient(s)", template, sent)
    return sent


def school_emails(school_id: int, roles: set[str]) -> list[str]:
    from .models import Membership

    return list(
        Membership.objects.filter(school_id=school_id, role__in=roles, is_active=True, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def status_changed(visit_pk: int, action: str, actor_pk: int) -> None:
    """Tell the right people that a visit moved (called on commit by the lifecycle)."""
    from .models import User, Visit

    visit = Visit.objects.select_related("school", "requested_by").get(pk=visit_pk)
    actor = User.objects.filter(pk=actor_pk).first()
    context = {
        "visit_url": reverse("visits:detail", args=[visit.code]),
        "school": visit.school.name,
        "actor": str(actor) if actor else "Someone",
        "when": visit.scheduled_start,
        "emergency": visit.visit_type == VisitType.EMERGENCY,
        "action": action,
    }
    if action in {"submit", "return_to_queue"}:
        # hc03: an emergency request reaches every lead of the school at once.
        leads = school_emails(visit.school_id, set(Role.safeguarding()))
        send("request_waiting", leads, context)
    if action in {"authorise", "decline", "send_back", "return_to_queue"}:
        people = [visit.requested_by.email] + list(
            User.objects.filter(pk__in=visit.visitor_ids).values_list("email", flat=True)
        )
        send("decision_made", [p for p in people if p and (not actor or p != actor.email)], context)
