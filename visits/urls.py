from django.urls import path

from .views import board, booking, documents, households, record, signature, staff_signature
from .views import visits as views

app_name = "visits"

urlpatterns = [
    path("today/", views.today, name="today"),
    path("mine/", views.mine, name="mine"),
    path("overview/", views.overview, name="overview"),
    path("trust/", views.trust, name="trust"),
    path("<uuid:code>/", views.detail, name="detail"),
    path("<uuid:code>/submit/", views.submit, name="submit"),
    path("<uuid:code>/cancel/", views.cancel, name="cancel"),
    path("<uuid:code>/start/", views.start, name="start"),
    path("<uuid:code>/arrived/", views.step, {"step_name": "arrived"}, name="arrived"),
    path("<uuid:code>/left/", views.step, {"step_name": "left"}, name="left"),
    path("<uuid:code>/back/", views.step, {"step_name": "back"}, name="back"),
    path("<uuid:code>/not-returning/", views.step, {"step_name": "not_returning"}, name="not_returning"),
    path("<uuid:code>/extend/", views.extend, name="extend"),
    path("<uuid:code>/complete/", views.complete, name="complete"),
    # Booking visits (the Home Visit Form, hc02-hc08, hc11, hc13, mp01-mp03).
    path("new/", booking.new, name="new"),
    path("new-starters/", booking.new_starters, name="new_starters"),
    path("<uuid:code>/edit/", booking.edit, name="edit"),
    path("<uuid:code>/follow-up/", booking.follow_up, name="follow_up"),
    path("<uuid:code>/letter/", booking.letter, name="letter"),
    # PDFs of a visit (hc08, hc09, hc23, hc24): who may have which, and when, is in visits.access.
    path("<uuid:code>/pdf/form/", documents.document, {"kind": "form"}, name="pdf_form"),
    path("<uuid:code>/pdf/home-copy/", documents.document, {"kind": "home_copy"}, name="pdf_home_copy"),
    path("<uuid:code>/pdf/record/", documents.document, {"kind": "record"}, name="pdf_record"),
    path(
        "<uuid:code>/pdf/risk-assessment/", documents.document, {"kind": "risk_assessment"}, name="pdf_risk_assessment"
    ),
    path("<uuid:code>/pdf/letter/", documents.document, {"kind": "letter"}, name="pdf_letter"),
    # One kept version of a PDF, as it was made (issue 17).
    path("<uuid:code>/documents/<uuid:document>/", documents.version, name="pdf_version"),
    # --- the tablet: my visits, the visit page, set off, who is present (issue 5, hc14-hc17) ---
    # --- the tablet: the Record of Home Visit and its draft (issue 5, hc15, hc20-hc22) ---
    path("<uuid:code>/present/", record.present, name="present"),
    path("<uuid:code>/record/", record.record, name="record"),
    path("<uuid:code>/record/draft/", record.record_draft, name="record_draft"),
    # --- the tablet: the parent's signature (issue 5, hc23) ---
    path("<uuid:code>/signature/", signature.sign, name="signature"),
    path("<uuid:code>/signature.png", signature.image, name="signature_image"),
    path("<uuid:code>/staff-signature/", staff_signature.sign, name="staff_signature"),
    # The day board and the alarms (hc12, hc18, hc19).
    path("board/", board.board, name="board"),
    path("board/rows/", board.board_rows_partial, name="board_rows"),
    path("<uuid:code>/board/code-word/", board.reveal_code_word, name="reveal_code_word"),
    path("<uuid:code>/alarm/", board.alarm, name="alarm"),
    path("<uuid:code>/alarm/code-word/", board.raise_code_word, name="raise_code_word"),
    path("<uuid:code>/alarm/rang-mobile/", board.escalate, {"step_name": "rang_mobile"}, name="rang_mobile"),
    path("<uuid:code>/alarm/police-called/", board.escalate, {"step_name": "police_called"}, name="police_called"),
    path("<uuid:code>/alarm/resolved/", board.escalate, {"step_name": "resolved"}, name="alarm_resolved"),
    path("<uuid:code>/alarm/acknowledge/", board.acknowledge, name="acknowledge_alarm"),
    # Households, contacts and pupils; the MIS import (mp03).
    path("households/", households.household_list, name="households"),
    path("households/new/", households.household_create, name="household_new"),
    path("households/<uuid:code>/", households.household_detail, name="household"),
    path("households/<uuid:code>/edit/", households.household_edit, name="household_edit"),
    path("households/<uuid:code>/contacts/new/", households.contact_create, name="contact_new"),
    path("households/contacts/<uuid:code>/edit/", households.contact_edit, name="contact_edit"),
    path("households/<uuid:code>/pupils/new/", households.pupil_create, name="pupil_new"),
    path("pupils/<uuid:code>/edit/", households.pupil_edit, name="pupil_edit"),
    path("import/", households.import_upload, name="import_upload"),
    path("import/<uuid:code>/", households.import_preview, name="import_preview"),
    path("import/<uuid:code>/confirm/", households.import_confirm, name="import_confirm"),
]
