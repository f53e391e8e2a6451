from django.urls import path

from . import feeds
from .views import audit, concerns, cpoms, decide, queue, risk, urgent

app_name = "safeguarding"

urlpatterns = [
    # The authorisation queue and decisions (hc01, hc03, hc06, hc13, mp01).
    path("queue/", queue.queue, name="queue"),
    path("visits/<uuid:code>/decide/", decide.decide, name="decide"),
    path("visits/<uuid:code>/authorise/", queue.authorise, name="authorise"),
    path("visits/<uuid:code>/decline/", queue.decline, name="decline"),
    path("visits/<uuid:code>/send-back/", queue.send_back, name="send_back"),
    path("queue/bulk-authorise/", queue.bulk_authorise, name="bulk_authorise"),
    path("audit/", audit.audit_log, name="audit"),
    path("audit/export.csv", audit.audit_export, name="audit_export"),
    # The school diary (hc12): secret, revocable iCalendar feeds.
    path("feeds/", feeds.feeds_page, name="feeds"),
    path("feeds/new/", feeds.feed_create, name="feed_create"),
    path("feeds/<uuid:code>/revoke/", feeds.feed_revoke, name="feed_revoke"),
    path("feeds/<str:token>.ics", feeds.feed, name="feed"),
    # --- the risk assessment (hc09-hc11) ---
    path("risk/template/", risk.template_editor, name="risk_template"),
    path("households/<uuid:code>/risk/", risk.household_assessment, name="household_risk"),
    path("households/<uuid:code>/risk/update/", risk.household_assessment_update, name="household_risk_update"),
    path("risk/<uuid:code>/", risk.assessment_version, name="risk_version"),
    path("visits/<uuid:code>/risk/", risk.visit_review, name="risk_review"),
    path("visits/<uuid:code>/risk/no-change/", risk.review_no_change, name="risk_no_change"),
    path("visits/<uuid:code>/risk/update/", risk.review_update, name="risk_update"),
    # --- concerns and incidents (hc17, hc21, hc22) ---
    path("concerns/", concerns.inbox, name="concerns"),
    path("concerns/alert/", concerns.alert, name="concern_alert"),
    path("concerns/<uuid:code>/", concerns.concern_detail, name="concern"),
    path("concerns/<uuid:code>/acknowledge/", concerns.acknowledge, name="concern_acknowledge"),
    path("concerns/<uuid:code>/action/", concerns.record_action, name="concern_action"),
    path("concerns/<uuid:code>/close/", concerns.close, name="concern_close"),
    path("visits/<uuid:code>/concern/", concerns.raise_concern, name="raise_concern"),
    path("visits/<uuid:code>/incident/", concerns.report_incident, name="report_incident"),
    # --- the tablet's urgent controls (issue 5, hc17) ---
    path("visits/<uuid:code>/urgent/call-999/", urgent.call_999, name="urgent_999"),
    path("visits/<uuid:code>/urgent/<slug:name>/", urgent.confirm, name="urgent"),
    path("visits/<uuid:code>/urgent/<slug:name>/raise/", urgent.raise_control, name="urgent_raise"),
    path("incidents/", concerns.incidents, name="incidents"),
    path("incidents/<uuid:code>/", concerns.incident_detail, name="incident"),
    path("incidents/<uuid:code>/review/", concerns.review_incident, name="incident_review"),
    # --- CPOMS (hc24) ---
    path("cpoms/", cpoms.cpoms_list, name="cpoms"),
    path("visits/<uuid:code>/cpoms/", cpoms.visit_cpoms, name="visit_cpoms"),
    path("visits/<uuid:code>/cpoms/record/", cpoms.record_cpoms, name="record_cpoms"),
]
