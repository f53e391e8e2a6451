"""The school diary (hc12): iCalendar feeds of authorised visits behind secret, revocable URLs.

A feed carries only the time, the visitors' names and the postcode *district* ("BL1"): no pupil,
no household, no address line, no code word, because a calendar app copies it to phones and
third-party servers out of our hands. The iCalendar text is written here (RFC 5545: CRLF line
ends, lines folded at 75 octets, TEXT values escaped, times in UTC) rather than by a dependency:
it is forty lines. The token is shown once and stored as a SHA-256 hash (`CalendarFeed`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from visits import audit, who
from visits.enums import AuditAction, Status
from visits.models import School, User, Visit

from .models import CalendarFeed, FeedScope

FEED_STATES = (Status.AUTHORISED, Status.IN_PROGRESS, Status.COMPLETED)
FEED_PAST = dt.timedelta(days=60)
FEED_FUTURE = dt.timedelta(days=180)
FEED_LIMIT = 2000
SESSION_NEW_FEED = "homevisits_new_feed_url"


# --- iCalendar text (RFC 5545) ----------------------------------------------------------------------


def postcode_district(postcode: str) -> str:
    """The outward code's district: "BL1 4AB" -> "BL1". Never the full postcode."""
    compact = "".join(postcode.split()).upper()
    outward = compact[:-3] if len(compact) > 4 else compact[:4]
    return "".join(c for c in outward if c.isalnum())


def escape_text(value: str) -> str:
    """RFC 5545 3.3.11: backslash, semicolon, comma and line breaks in a TEXT value."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str, limit: int = 75) -> str:
    """RFC 5545 3.1: lines longer than 75 octets are split, each continuation starting with one
    space; never inside a UTF-8 character."""
    out: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def utc_stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def visitor_names(visit: Visit) -> list[str]:
    names = [str(u) for u in (visit.lead_visitor, visit.second_visitor) if u is not None]
    if visit.agency_worker_name:
        names.append(visit.agency_worker_name)
    return names


def calendar(name: str, visits: Iterable[Visit], now: dt.datetime | None = None) -> str:
    stamp = utc_stamp(now or timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Home Visits//School diary//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT15M",
        "X-PUBLISHED-TTL:PT15M",
    ]
    for visit in visits:
        district = postcode_district(visit.postcode)
        names = ", ".join(visitor_names(visit))
        lines += [
            "BEGIN:VEVENT",
            f"UID:{visit.code}@homevisits",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{utc_stamp(visit.scheduled_start)}",
            f"DTEND:{utc_stamp(visit.expected_end)}",
            f"SUMMARY:{escape_text(f'Home visit {district}: {names}')}",
            f"LOCATION:{escape_text(district)}",
            "DESCRIPTION:" + escape_text(f"Visitors: {names}\nDetails in Home Visits (sign-in needed)."),
            "STATUS:CONFIRMED",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


# --- who may hold which feed -------------------------------------------------------------------------


def _owner_still_entitled(feed: CalendarFeed) -> bool:
    """A feed stops when its owner leaves the role it was made under."""
    if not feed.owner.is_active:
        return False
    page = "school_feed" if feed.scope == FeedScope.SCHOOL else "visitor_feed"
    return who.may_open_page(feed.owner, page, feed.school_id)


def feed_visits(feed: CalendarFeed, now: dt.datetime | None = None):
    now = now or timezone.now()
    qs = Visit.objects.filter(
        school_id=feed.school_id,
        status__in=FEED_STATES,
        scheduled_start__gte=now - FEED_PAST,
        scheduled_start__lt=now + FEED_FUTURE,
    )
    if feed.scope == FeedScope.VISITOR:
        qs = qs.filter(Q(lead_visitor=feed.owner) | Q(second_visitor=feed.owner))
    return qs.select_related("lead_visitor", "second_visitor").order_by("scheduled_start", "id")[:FEED_LIMIT]


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed a calendar app subscribes to. No sign-in: the secret URL is the key. Unknown,
    revoked or orphaned tokens answer 404, the same as a page that does not exist."""
    request._homevisits_private = True  # no-store, although nobody is signed in
    found = CalendarFeed.live_for_token(token) if len(token) <= 100 else None
    if found is None or not _owner_still_entitled(found):
        raise Http404
    name = f"{found.school.name} home visits"
    if found.scope == FeedScope.VISITOR:
        name = f"My home visits ({found.school.name})"
    body = calendar(name, feed_visits(found))
    audit.record(
        found.owner,
        AuditAction.LIST,
        object_type="calendar_feed",
        school=found.school_id,
        detail=f"diary feed read ({found.scope})",
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="home-visits.ics"'
    return response


def _feed_schools(user: User) -> tuple[list[School], list[School]]:
    school_ids = who.page_schools(user, "school_feed")
    visitor_ids = who.page_schools(user, "visitor_feed")
    schools = {s.pk: s for s in School.objects.filter(pk__in=set(school_ids) | set(visitor_ids))}
    return [schools[i] for i in school_ids], [schools[i] for i in visitor_ids]


@login_required
def feeds_page(request: HttpRequest) -> HttpResponse:
    """Office and leads manage their school's diary feeds; a visitor manages their own."""
    school_feed_schools, visitor_schools = _feed_schools(request.user)
    if not school_feed_schools and not visitor_schools:
        raise Http404
    live = CalendarFeed.objects.filter(revoked_at__isnull=True).select_related("owner", "school")
    school_feeds = live.filter(scope=FeedScope.SCHOOL, school__in=school_feed_schools)
    own_feeds = live.filter(scope=FeedScope.VISITOR, owner=request.user, school__in=visitor_schools)
    return render(
        request,
        "safeguarding/feeds.html",
        {
            "school_feed_schools": school_feed_schools,
            "visitor_schools": visitor_schools,
            "school_feeds": school_feeds,
            "own_feeds": own_feeds,
            "new_feed_url": request.session.pop(SESSION_NEW_FEED, ""),
        },
    )


@require_POST
@login_required
def feed_create(request: HttpRequest) -> HttpResponse:
    school_feed_schools, visitor_schools = _feed_schools(request.user)
    if not school_feed_schools and not visitor_schools:
        raise Http404
    scope = request.POST.get("scope", "")
    allowed = (
        school_feed_schools if scope == FeedScope.SCHOOL else visitor_schools if scope == FeedScope.VISITOR else []
    )
    school = next((s for s in allowed if str(s.code) == request.POST.get("school", "")), None)
    if school is None and len(allowed) == 1 and not request.POST.get("school"):
        school = allowed[0]
    if school is None:
        messages.error(request, "Choose a school where you may make this feed.")
        return redirect("safeguarding:feeds")
    created, token = CalendarFeed.issue(request.user, school, scope)
    audit.record(request.user, AuditAction.CREATE, created, object_type="calendar_feed", detail=f"diary feed ({scope})")
    request.session[SESSION_NEW_FEED] = request.build_absolute_uri(reverse("safeguarding:feed", args=[token]))
    messages.success(request, "Feed made. Copy its address now: it is shown only once.")
    return redirect("safeguarding:feeds")


@require_POST
@login_required
def feed_revoke(request: HttpRequest, code: UUID) -> HttpResponse:
    """The owner revokes their feed; office and leads also revoke any school feed of their school."""
    found = CalendarFeed.objects.filter(code=code, revoked_at__isnull=True).first()
    if found is None:
        raise Http404
    manages = found.scope == FeedScope.SCHOOL and who.may_open_page(request.user, "school_feed", found.school_id)
    if found.owner_id != request.user.pk and not manages:
        raise Http404
    CalendarFeed.objects.filter(pk=found.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(request.user, AuditAction.UPDATE, found, object_type="calendar_feed", detail="diary feed revoked")
    messages.success(request, "Feed revoked: its address no longer works.")
    return redirect("safeguarding:feeds")
