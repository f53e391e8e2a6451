"""Signing out clears what the tablet kept of the person's drafts (issue 14, item 4).

The record form keeps every change in the browser's localStorage, one key per visit and person
(`hv-record:<visit>:<user id>`, static/js/record.js), so that a dropped signal loses nothing. After
signing out nothing of that person's should stay on a shared tablet: the sign-out notes who it was
in the new (signed-out) session, and the signed-out page's script removes that person's keys, then
goes on to the sign-in page. Other people's drafts on the same tablet stay: one of them may be a
record still waiting for a signal to be sent. (`Clear-Site-Data: "storage"` would remove those too,
and the board's sound setting, and browsers ignore it on plain http.)
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from visits import audit
from visits.enums import AuditAction

SIGNED_OUT = "accounts_signed_out"


class SignOutView(auth_views.LogoutView):
    """Django's sign-out (POST only), then the signed-out page."""

    next_page = "accounts:signed_out"

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user if request.user.is_authenticated else None
        if user is not None:
            audit.record(user, AuditAction.EVENT, object_type="session", detail="signed out")
        response = super().post(request, *args, **kwargs)
        if user is not None:
            request.session[SIGNED_OUT] = user.pk
        return response


def signed_out(request: HttpRequest) -> HttpResponse:
    """The page after signing out: its script clears the drafts of the person who just signed out
    (once: the note is taken from the session), then opens the sign-in page."""
    if request.user.is_authenticated:
        return redirect("home")
    drafts_of = request.session.pop(SIGNED_OUT, None)
    return render(request, "accounts/signed_out.html", {"drafts_of": drafts_of})
