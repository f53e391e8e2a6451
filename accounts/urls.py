from django.urls import path  # noqa: F401 - each part below adds its own paths

app_name = "accounts"

urlpatterns: list = [
    # second factor (accounts.second_factor, accounts.views.second_factor)
    # staff, roles and school settings (accounts.staff, accounts.views.staff)
]
