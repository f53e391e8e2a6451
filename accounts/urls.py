from django.urls import path

from .views import profile, second_factor, sign_out, staff

app_name = "accounts"

urlpatterns: list = [
    # second factor (accounts.second_factor)
    path("two-factor/", second_factor.verify, name="second_factor"),
    path("two-factor/set-up/", second_factor.setup, name="second_factor_setup"),
    path("two-factor/recovery-codes/", second_factor.recovery, name="second_factor_recovery"),
    path("two-factor/recovery-codes/renew/", second_factor.renew_recovery, name="second_factor_renew"),
    # staff, roles and school settings (accounts.staff, accounts.views.staff)
    path("staff/", staff.staff_home, name="staff"),
    path("staff/<str:key>/", staff.staff_list, name="staff_list"),
    path("staff/<str:key>/add/", staff.staff_add, name="staff_add"),
    path("staff/<str:key>/person/<str:username>/", staff.staff_member, name="staff_member"),
    path("staff/<str:key>/person/<str:username>/left/", staff.staff_leave, name="staff_leave"),
    path(
        "staff/<str:key>/person/<str:username>/second-factor/remove/",
        staff.staff_second_factor_remove,
        name="staff_second_factor_remove",
    ),
    path("school/new/", staff.school_new, name="school_new"),
    path("school/<str:key>/settings/", staff.school_settings, name="school_settings"),
    # after signing out: the tablet's drafts of that person cleared (accounts.views.sign_out)
    path("signed-out/", sign_out.signed_out, name="signed_out"),
    # a person's own profile (accounts.views.profile)
    path("profile/", profile.profile, name="profile"),
]
