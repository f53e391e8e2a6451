"""A person's own profile (issue 14, item 8): the work mobile and the description the office reads
to the police if the code word is used (hc18, hc19). Everyone signed in keeps their own; nobody
else's is reachable here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from visits import audit
from visits.enums import AuditAction
from visits.models import User

from .. import staff
from ..forms import ProfileForm


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    # The form checks a copy: a ModelForm writes what it cleaned onto its instance, and the service
    # compares with the saved values to audit only what changed.
    form = ProfileForm(request.POST or None, instance=User.objects.get(pk=request.user.pk))
    if request.method == "POST" and form.is_valid():
        changed = staff.update_profile(request.user, form.values())
        if changed:
            messages.success(request, "Your profile is saved: the office reads it if a visit goes wrong.")
        else:
            messages.info(request, "Nothing was changed.")
        return redirect("accounts:profile")
    if request.method == "GET":
        audit.record(request.user, AuditAction.VIEW, request.user, detail="own profile")
    return render(request, "accounts/profile.html", {"form": form})
