from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from visits import who

        from . import who as reports_who

        # Its pages' roles, and the governor's home page (the governors' report).
        for page, roles in reports_who.PAGE_ROLES.items():
            who.register_page(page, roles)
        for page, url_name in reports_who.HOME_PAGES:
            who.register_home_page(page, url_name)
