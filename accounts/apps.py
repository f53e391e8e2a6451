from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Who may sign in, and how: the second factor, sign-in limits, passwords, sessions, and the
    school's own management of its staff, their roles and its policy settings (issue 14)."""

    name = "accounts"
    verbose_name = "Accounts and staff"
