from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.views import second_factor
from accounts.views.reset import ResetRequestView
from accounts.views.sign_out import SignOutView
from visits.views import visits as visit_views

from . import views

urlpatterns = [
    path("", visit_views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", second_factor.exempt(SignOutView.as_view()), name="logout"),
    path("accounts/password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/password/reset/", ResetRequestView.as_view(), name="password_reset"),
    path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/passkeys/", include("accounts.passkey_urls")),
    path("accounts/", include("accounts.urls")),
    path("visits/", include("visits.urls")),
    path("", include("safeguarding.urls")),
    path("reports/", include("reports.urls")),
    path("retention/", include("retention.urls")),
    path("disclosure/", include("disclosure.urls")),
    path("admin/", admin.site.urls),
]
