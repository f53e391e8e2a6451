from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.school_report, name="school"),
    path("export.csv", views.school_report_csv, name="school_csv"),
    path("visits/", views.visit_list, name="visits"),
    path("visits/export.csv", views.visit_list_csv, name="visits_csv"),
    path("trust/", views.trust_report, name="trust"),
    path("trust/export.csv", views.trust_report_csv, name="trust_csv"),
    path("governors/", views.governors, name="governors"),
    path("governors/report.pdf", views.governors_pdf, name="governors_pdf"),
    path("governors/export.csv", views.governors_csv, name="governors_csv"),
    path("terms/", views.terms, name="terms"),
    path("terms/<int:pk>/", views.term_edit, name="term_edit"),
]
