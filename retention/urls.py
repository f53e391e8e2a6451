from django.urls import path

from . import views

app_name = "retention"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("periods/", views.policy, name="periods"),
    path("<uuid:code>/", views.record, name="record"),
    path("<uuid:code>/keep/", views.keep, name="keep"),
    path("<uuid:code>/hold/", views.hold, name="hold"),
    path("<uuid:code>/release/", views.release, name="release"),
    path("<uuid:code>/erase/", views.confirm_erase, name="confirm_erase"),
    path("<uuid:code>/erase/confirm/", views.erase, name="erase"),
]
