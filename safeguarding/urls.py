from django.urls import path

from . import views

app_name = "safeguarding"

urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("audit/", views.audit_log, name="audit"),
    path("visits/<uuid:code>/authorise/", views.authorise, name="authorise"),
    path("visits/<uuid:code>/decline/", views.decline, name="decline"),
    path("visits/<uuid:code>/send-back/", views.send_back, name="send_back"),
]
