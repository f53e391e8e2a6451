from django.urls import path

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
    path("<uuid:code>/complete/", views.complete, name="complete"),
]
