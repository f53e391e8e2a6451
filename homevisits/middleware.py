"""Request-wide safety: idle sign-out and no caching of pages that carry pupil data."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

SESSION_LAST_SEEN = "homevisits_last_seen"
# How often a person's use is written to the session (seconds): the idle sign-out is exact to this.
TOUCH_EVERY = 60
# Background requests (a board polling for fresh data) send this header: they are not a person
# using the device, so they must not keep an unattended screen signed in.
BACKGROUND_HEADER = "HTTP_X_HOMEVISITS_BACKGROUND"


def note_sign_in(sender, request: HttpRequest, user, **kwargs) -> None:
    """Signing in is use: the session is written then anyway, so the first page after it need not
    write it again (connected to `user_logged_in` in `VisitsConfig.ready`)."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_LAST_SEEN] = time.time()


class IdleTimeoutMiddleware:
    """Sign the user out after SESSION_IDLE_TIMEOUT without a request made by a person.

    A school tablet left on a car seat or a doorstep must not stay signed in: the session ends
    after the idle time (default 30 minutes) whatever the cookie's own lifetime.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(SESSION_LAST_SEEN)
            idle_limit = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            if last_seen is not None and now - float(last_seen) > idle_limit:
                logout(request)
                if request.headers.get("HX-Request"):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = reverse(settings.LOGIN_URL)
                else:
                    response = redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
                messages.info(request, "You were signed out because the screen was left unused.")
                return response
            if not request.META.get(BACKGROUND_HEADER) and (last_seen is None or now - float(last_seen) >= TOUCH_EVERY):
                # Written now, before the view, and at most once a minute: a step the view then
                # commits is never answered with an error because the session could not be
                # written after it (issue 13: a dropped connection turned saved steps into 400s).
                request.session[SESSION_LAST_SEEN] = now
                request.session.save()
                request.session.modified = False
        return self.get_response(request)


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
