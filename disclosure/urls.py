from django.urls import path

from .views import leavers, requests

app_name = "disclosure"

urlpatterns = [
    # Subject access requests (issue 17, part 5).
    path("requests/", requests.request_list, name="requests"),
    path("requests/new/<str:kind>/<uuid:code>/", requests.request_new, name="request_new"),
    path("requests/<uuid:code>/", requests.request_detail, name="request"),
    path("requests/<uuid:code>/redactions/", requests.request_redactions, name="request_redactions"),
    path("requests/<uuid:code>/build/", requests.request_build, name="request_build"),
    path("requests/<uuid:code>/bundle.pdf", requests.request_download, {"fmt": "pdf"}, name="pdf_request_bundle"),
    path("requests/<uuid:code>/bundle.json", requests.request_download, {"fmt": "json"}, name="json_request_bundle"),
    path("requests/<uuid:code>/close/", requests.request_close, name="request_close"),
    # A pupil leaves: their file to the next school (issue 17, part 6).
    path("leavers/", leavers.leaver_list, name="leavers"),
    path("leavers/new/<uuid:code>/", leavers.leaver_new, name="leaver_new"),
    path("leavers/<uuid:code>/", leavers.leaver_detail, name="leaver"),
    path("leavers/<uuid:code>/build/", leavers.leaver_build, name="leaver_build"),
    path("leavers/<uuid:code>/file.pdf", leavers.leaver_download, name="pdf_leaver_file"),
    path("leavers/<uuid:code>/sent/", leavers.leaver_sent, name="leaver_sent"),
    path("leavers/<uuid:code>/received/", leavers.leaver_received, name="leaver_received"),
]
