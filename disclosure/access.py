"""Fetching this app's objects for a user, on `disclosure.who`'s rules and `visits.access`'s
patterns: anything the user may not handle answers 404 (another school's included), and a GET
that hands a page its object writes the one "Viewed" row (`visits.access.read_by_fetch`)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from visits.access import read_by_fetch
from visits.models import Contact, Pupil

from . import who
from .models import Leaver, SubjectAccessRequest


def request_for_user(request: HttpRequest, code, *, detail: str = "subject access request", read: bool = True):
    sar = (
        SubjectAccessRequest.objects.select_related("school", "pupil__household", "contact__household")
        .filter(code=code)
        .first()
    )
    if sar is None or not who.may_handle_subject_access(request.user, sar.school_id):
        raise Http404("No such request")
    read_by_fetch(request, sar, read, detail=detail)
    return sar


def leaver_for_user(request: HttpRequest, code, *, detail: str = "pupil leaving", read: bool = True) -> Leaver:
    leaver = Leaver.objects.select_related("school", "pupil__household").filter(code=code).first()
    if leaver is None or not who.may_handle_leavers(request.user, leaver.school_id):
        raise Http404("No such pupil leaving")
    read_by_fetch(request, leaver, read, detail=detail)
    return leaver


def subject_for_user(request: HttpRequest, kind: str, code, *, page: str, detail: str) -> Pupil | Contact:
    """The pupil or contact a new request (or a leaver) is about, at a school where the user may
    open `page`; 404 otherwise. A GET is audited under the person."""
    if kind not in ("pupil", "contact"):
        raise Http404("No such person")
    if kind == "pupil":
        subject = Pupil.objects.select_related("school", "household").filter(code=code).first()
        school_id = subject.school_id if subject else None
    else:
        subject = Contact.objects.select_related("household__school").filter(code=code).first()
        school_id = subject.household.school_id if subject else None
    if subject is None or school_id not in who.schools_for_page(request.user, page):
        raise Http404("No such person")
    read_by_fetch(request, subject, True, detail=detail, object_type=kind, school=school_id)
    return subject


def search(user, page: str, q: str) -> tuple[QuerySet[Pupil], QuerySet[Contact]]:
    """Pupils and contacts of the user's schools for `page` whose name matches every word of `q`."""
    schools = who.schools_for_page(user, page)
    pupils = Pupil.objects.filter(school_id__in=schools).select_related("school", "household")
    contacts = Contact.objects.filter(household__school_id__in=schools).select_related("household__school")
    words = q.split()[:4]
    if not words:
        return pupils.none(), contacts.none()
    for word in words:
        match = Q(first_name__icontains=word) | Q(last_name__icontains=word)
        pupils, contacts = pupils.filter(match), contacts.filter(match)
    return pupils.order_by("last_name", "first_name")[:25], contacts.order_by("last_name", "first_name")[:25]
