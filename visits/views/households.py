"""Households, contacts and pupils, and the MIS import: the office's and the leads' pages.

Who may: `visits.access` (`may_view_households`, `may_manage_households`, `household_for_user`):
office and safeguarding leads manage, the head reads, everyone else (visiting staff, trust
administrators, other schools) gets 404. Every view and change is in the audit trail under the
household (object type "household", with a fixed detail such as "contact added"); the search
words and anything else typed are never written to it.
"""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from homevisits.pagination import seek
from visits import access, audit, mis_import, who
from visits.enums import AuditAction
from visits.household_forms import ContactForm, HouseholdForm, ImportUploadForm, PupilForm
from visits.models import Contact, Household, ImportBatch, Pupil, School, Visit, normalise_postcode, uk_postcode

PAST_VISITS_SHOWN = 25
PREVIEW_ROWS_SHOWN = 500


def search(queryset: QuerySet[Household], query: str) -> QuerySet[Household]:
    """Households whose name, pupils' names or contacts' names contain every word of `query`
    (any case), or whose postcode is `query` with or without its space, or starts with it."""
    query = " ".join(query.split())[:100]
    if not query:
        return queryset
    by_name = Q()
    for word in query.split():
        pupil = Pupil.objects.filter(household=OuterRef("pk")).filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word)
        )
        contact = Contact.objects.filter(household=OuterRef("pk")).filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word)
        )
        by_name &= Q(name__icontains=word) | Q(Exists(pupil)) | Q(Exists(contact))
    by_postcode = Q(postcode__istartswith=query)
    try:
        uk_postcode(query.replace(" ", ""))
    except ValidationError:
        pass  # not a whole postcode: the other conditions still apply
    else:
        by_postcode |= Q(postcode=normalise_postcode(query))
    return queryset.filter(by_name | by_postcode)


def _schools(user, manage: bool = False) -> list[School]:
    return list(School.objects.filter(pk__in=who.household_school_ids(user, manage=manage)).order_by("name"))


@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    """Search and list the households of the user's schools."""
    school_ids = who.household_school_ids(request.user)
    if not school_ids:
        raise Http404
    query = request.GET.get("q", "").strip()
    qs = search(Household.objects.filter(school_id__in=school_ids), query).prefetch_related(
        Prefetch("pupils", queryset=Pupil.objects.only("id", "household_id", "first_name", "last_name", "year_group"))
    )
    if len(school_ids) > 1:
        qs = qs.select_related("school")
    page = seek(qs, request, ["name", "id"])
    audit.record(
        request.user,
        AuditAction.LIST,
        object_type="household",
        detail="household search" if query else "household list",
    )
    return render(
        request,
        "visits/households/list.html",
        {
            "page": page,
            "q": query,
            "can_manage": bool(who.household_school_ids(request.user, manage=True)),
            "multi_school": len(school_ids) > 1,
        },
    )


@login_required
def household_create(request: HttpRequest) -> HttpResponse:
    schools = _schools(request.user, manage=True)
    if not schools:
        raise Http404
    form = HouseholdForm(request.POST or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        household = form.save()
        audit.record(request.user, AuditAction.CREATE, household, object_type="household", detail="household added")
        messages.success(request, f"{household.name} added. Now add its pupils and contacts.")
        return redirect("visits:household", code=household.code)
    return render(request, "visits/households/form.html", {"form": form, "title": "New household", "household": None})


@login_required
def household_detail(request: HttpRequest, code: UUID) -> HttpResponse:
    household = access.household_for_user(request, code)
    base = Visit.objects.filter(household=household).select_related("record", "lead_visitor")
    visits = list(
        access.visible_visits(request.user, base).order_by("-scheduled_start", "-id")[: PAST_VISITS_SHOWN + 1]
    )
    return render(
        request,
        "visits/households/detail.html",
        {
            "household": household,
            "pupils": household.pupils.all(),
            "contacts": household.contacts.all(),
            "visits": visits[:PAST_VISITS_SHOWN],
            "more_visits": len(visits) > PAST_VISITS_SHOWN,
            "can_manage": who.may_manage_households(request.user, household.school_id),
            "can_book": who.may_book(request.user, household.school_id),
        },
    )


def _save_form(
    request: HttpRequest, household: Household, form, *, title: str, detail: str, saved: str
) -> HttpResponse:
    """One form page for a household, its contacts and its pupils: save, audit the change on the
    household (a fixed `detail`, never typed text), say so, and go back to the household."""
    if request.method == "POST" and form.is_valid():
        obj = form.save()
        audit.record(request.user, AuditAction.UPDATE, household, object_type="household", detail=detail)
        messages.success(request, saved.format(obj=obj, household=household.name))
        return redirect("visits:household", code=household.code)
    return render(request, "visits/households/form.html", {"form": form, "title": title, "household": household})


@login_required
def household_edit(request: HttpRequest, code: UUID) -> HttpResponse:
    household = access.household_for_user(request, code, need="manage", detail="household form")
    form = HouseholdForm(request.POST or None, instance=household)
    return _save_form(
        request, household, form, title=f"Change {household.name}", detail="household changed", saved="Household saved."
    )


@login_required
def contact_create(request: HttpRequest, code: UUID) -> HttpResponse:
    household = access.household_for_user(request, code, need="manage", detail="new contact form")
    form = ContactForm(request.POST or None, instance=Contact(household=household))
    return _save_form(
        request,
        household,
        form,
        title=f"New contact for {household.name}",
        detail="contact added",
        saved="{obj} added to {household}.",
    )


@login_required
def contact_edit(request: HttpRequest, code: UUID) -> HttpResponse:
    contact = access.contact_for_user(request, code)
    household = contact.household
    form = ContactForm(request.POST or None, instance=contact)
    return _save_form(
        request, household, form, title=f"Change {contact}", detail="contact changed", saved="{obj} saved."
    )


@login_required
def pupil_create(request: HttpRequest, code: UUID) -> HttpResponse:
    household = access.household_for_user(request, code, need="manage", detail="new pupil form")
    form = PupilForm(
        request.POST or None, instance=Pupil(household=household, school=household.school), school=household.school
    )
    return _save_form(
        request,
        household,
        form,
        title=f"New pupil in {household.name}",
        detail="pupil added",
        saved="{obj} added to {household}.",
    )


@login_required
def pupil_edit(request: HttpRequest, code: UUID) -> HttpResponse:
    pupil = access.pupil_for_user(request, code)
    household = pupil.household
    form = PupilForm(request.POST or None, instance=pupil, school=pupil.school)
    return _save_form(request, household, form, title=f"Change {pupil}", detail="pupil changed", saved="{obj} saved.")


# --- MIS import (mp03) ---------------------------------------------------------------------------


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    """Upload the MIS export. The file is checked and kept in the database; nothing else is
    saved until the person confirms on the preview."""
    schools = _schools(request.user, manage=True)
    if not schools:
        raise Http404
    form = ImportUploadForm(request.POST or None, request.FILES or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        school = form.school()
        try:
            text = mis_import.decode(upload.read())
            rows = mis_import.check_file(text)
        except mis_import.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            # Unconfirmed uploads older than a day hold pupils' data for no reason: drop them.
            ImportBatch.objects.filter(
                school=school, imported_at__isnull=True, created_at__lt=timezone.now() - dt.timedelta(days=1)
            ).delete()
            batch = ImportBatch.objects.create(
                school=school, created_by=request.user, filename=upload.name[:200], content=text, row_count=rows
            )
            audit.record(request.user, AuditAction.CREATE, batch, object_type="mis import", detail="MIS file uploaded")
            return redirect("visits:import_preview", code=batch.code)
    return render(request, "visits/households/import_upload.html", {"form": form, "columns": mis_import.COLUMNS})


def _batch_for_user(request: HttpRequest, code: UUID) -> ImportBatch:
    batch = ImportBatch.objects.select_related("school", "imported_by").filter(code=code).first()
    if batch is None or not who.may_manage_households(request.user, batch.school_id):
        raise Http404("No such import")
    return batch


PREVIEW_FILTERS = {
    "problems": (mis_import.Outcome.ERROR,),
    "new": (mis_import.Outcome.CREATED,),
    "changed": (mis_import.Outcome.UPDATED,),
    "unchanged": (mis_import.Outcome.UNCHANGED,),
    "all": (
        mis_import.Outcome.ERROR,
        mis_import.Outcome.CREATED,
        mis_import.Outcome.UPDATED,
        mis_import.Outcome.UNCHANGED,
    ),
}


@login_required
def import_preview(request: HttpRequest, code: UUID) -> HttpResponse:
    """What the import would do, row by row, before anything is saved; after the import, what
    it did."""
    batch = _batch_for_user(request, code)
    context = {"batch": batch}
    if batch.imported_at is None:
        try:
            plan = mis_import.build_plan(batch.content, batch.school)
        except mis_import.ImportFileError as exc:
            messages.error(request, str(exc))
            return redirect("visits:import_upload")
        summary = plan.summary
        show = request.GET.get("show", "")
        if show not in PREVIEW_FILTERS:
            show = "problems" if summary["skipped"] else "all"
        rows = [row for row in plan.rows if row.outcome in PREVIEW_FILTERS[show]]
        context |= {
            "summary": summary,
            "rows": rows[:PREVIEW_ROWS_SHOWN],
            "rows_hidden": max(0, len(rows) - PREVIEW_ROWS_SHOWN),
            "show": show,
            "can_confirm": plan.has_changes,
        }
    audit.record(request.user, AuditAction.VIEW, batch, object_type="mis import", detail="MIS import preview")
    return render(request, "visits/households/import_preview.html", context)


@require_POST
@login_required
def import_confirm(request: HttpRequest, code: UUID) -> HttpResponse:
    """Save the checked rows in one transaction; rows with problems are skipped."""
    batch = _batch_for_user(request, code)
    try:
        with transaction.atomic():
            # Two clicks, or two people, confirming the same file: the second waits, then sees it done.
            batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if batch.imported_at is not None:
                messages.info(request, "This file has already been imported.")
                return redirect("visits:import_preview", code=batch.code)
            plan = mis_import.build_plan(batch.content, batch.school)
            result = mis_import.apply_plan(plan, request.user)
            batch.imported_at = timezone.now()
            batch.imported_by = request.user
            batch.created_count = result.created
            batch.updated_count = result.updated
            batch.unchanged_count = result.unchanged
            batch.skipped_count = result.skipped
            batch.content = ""  # the pupils' data now lives in the rows saved; keep no copy
            batch.save()
    except mis_import.ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("visits:import_upload")
    except IntegrityError:
        messages.error(
            request,
            "Someone else saved changes to these pupils at the same moment, so nothing was imported. "
            "Check the preview again and confirm.",
        )
        return redirect("visits:import_preview", code=batch.code)
    messages.success(
        request,
        f"Import finished: {result.created} pupils added, {result.updated} updated, {result.unchanged} unchanged, "
        f"{result.skipped} rows skipped.",
    )
    return redirect("visits:import_preview", code=batch.code)
