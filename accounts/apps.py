from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Who may sign in, and how: the second factor, sign-in limits, passwords, sessions, and the
    school's own management of its staff, their roles and its policy settings (issue 14)."""

    name = "accounts"
    verbose_name = "Accounts and staff"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .second_factor import forget_on_sign_in

        user_logged_in.connect(forget_on_sign_in, dispatch_uid="accounts.second_factor.forget_on_sign_in")

        from visits import hooks, lifecycle, moves

        from . import staff

        # Item 8: a visit one of whose visitors left the school (or stopped visiting) is neither
        # authorised nor set off until the office has chosen another visitor; its page says so.
        lifecycle.register_authorisation_check(staff.authorisation_check)
        moves.register_start_check(staff.visitors_gone_problems)
        hooks.register_panel("main", staff.VISITOR_GONE_PANEL)
