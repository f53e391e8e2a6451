"""Request-wide safety: idle and absolute sign-out, no caching of pages that carry pupil data, and
a plain answer to input that cannot be read (control characters in a query string)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from homevisits.validators import MESSAGE, BadInput, has_control_characters

logger = logging.getLogger(__name__)

SESSION_LAST_SEEN = "homevisits_last_seen"
# When the person signed in (epoch seconds): no session outlives SESSION_MAX_AGE from then,
# however busy (issue 14: a session used every 25 minutes lived on for 25.8 hours).
SESSION_SIGNED_IN = "homevisits_signed_in"
# How often a person's use is written to the session (seconds): the idle sign-out is exact to this.
TOUCH_EVERY = 60
# Background requests (a board polling for fresh data) send this header: they are not a person
# using the device, so they must not keep an unattended screen signed in.
BACKGROUND_HEADER = "HTTP_X_HOMEVISITS_BACKGROUND"


def note_sign_in(sender, request: HttpRequest, user, **kwargs) -> None:
    """Signing in is use: the session is written then anyway, so the first page after it need not
    write it again (connected to `user_logged_in` in `VisitsConfig.ready`)."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SESSION_LAST_SEEN] = now
        request.session[SESSION_SIGNED_IN] = now


class IdleTimeoutMiddleware:
    """Sign the user out after SESSION_IDLE_TIMEOUT without a request made by a person, and after
    SESSION_MAX_AGE from signing in whatever the use.

    A school tablet left on a car seat or a doorstep must not stay signed in: the session ends
    after the idle time (default 30 minutes) whatever the cookie's own lifetime. And no session
    outlives a working day (default 12 hours), however often it is used: the cookie's expiry
    slides with each write, so the sign-in time is kept in the session and checked here. A session
    from before that was kept counts from the first request seen.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(SESSION_LAST_SEEN)
            signed_in = request.session.get(SESSION_SIGNED_IN)
            idle_limit = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            max_age = settings.SESSION_MAX_AGE.total_seconds()
            if signed_in is not None and now - float(signed_in) > max_age:
                hours = settings.SESSION_MAX_AGE / dt.timedelta(hours=1)
                return _signed_out(request, f"You were signed out after {hours:g} hours; sign in again.")
            if last_seen is not None and now - float(last_seen) > idle_limit:
                return _signed_out(request, "You were signed out because the screen was left unused.")
            write = False
            if signed_in is None:
                request.session[SESSION_SIGNED_IN] = now
                write = True
            if not request.META.get(BACKGROUND_HEADER) and (last_seen is None or now - float(last_seen) >= TOUCH_EVERY):
                request.session[SESSION_LAST_SEEN] = now
                write = True
            if write:
                # Written now, before the view, and at most once a minute: a step the view then
                # commits is never answered with an error because the session could not be
                # written after it (issue 13: a dropped connection turned saved steps into 400s).
                request.session.save()
                request.session.modified = False
        return self.get_response(request)


def _signed_out(request: HttpRequest, why: str) -> HttpResponse:
    logout(request)
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse(settings.LOGIN_URL)
    else:
        response = redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
    messages.info(request, why)
    return response


class BadInputMiddleware:
    """An address (its path or query string) holding a control character (a NUL byte, say) is
    answered 400 with a plain message, before any view runs: PostgreSQL refuses NUL in a text
    query, and no page, list, search or filter of ours means anything with one.

    Forms refuse control characters themselves (`homevisits.validators.PlainTextForm`, a form
    error on the field), and views check the few values they read outside a form. As a last net,
    a NUL that still reaches the database (a new view that forgot) is answered 400 too, not 500,
    and logged as an error so that the test suite and the logs show the view to fix.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_control_characters(request.path) or any(
            has_control_characters(k) or has_control_characters(v) for k, v in _query_items(request)
        ):
            return bad_input(request, f"The page's address holds a hidden control character. {MESSAGE}")
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, BadInput):
            return bad_input(request, str(exception))
        # psycopg2's words for a NUL byte in a query parameter (it refuses before sending).
        if isinstance(exception, ValueError) and "NUL (0x00)" in str(exception):
            logger.error("A NUL byte reached the database at %s: check the value in the view", request.path)
            return bad_input(request, MESSAGE)
        return None


def _query_items(request: HttpRequest):
    for key, values in request.GET.lists():
        for value in values:
            yield key, value


def bad_input(request: HttpRequest, message: str) -> HttpResponse:
    """The 400 page for input that cannot be read, with the address to go back to."""
    back = "" if has_control_characters(request.path) else request.path
    return render(request, "errors/bad_input.html", {"message": message, "back": back}, status=400)


class NoStoreMiddleware:
    """Forbid browsers and proxies to keep a copy of any page shown to a signed-in user.

    Pages carry pupils' names and addresses; a shared school computer's back button or disk
    cache must not show them to the next person.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated or getattr(request, "_homevisits_private", False):
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
        return response


class PermissionsPolicyMiddleware:
    """Send `Permissions-Policy` on every response, built from `settings.PERMISSIONS_POLICY`.

    Pages show pupils' names and addresses: a script that got in anyway must not also reach the
    camera, the microphone or the tablet's location. Django has no setting for this header.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = permissions_policy(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response


def permissions_policy(features: dict[str, list[str]]) -> str:
    """`{"camera": [], "clipboard-write": ["self"]}` -> `camera=(), clipboard-write=(self)`."""
    return ", ".join(f"{name}=({' '.join(allowed)})" for name, allowed in features.items())
