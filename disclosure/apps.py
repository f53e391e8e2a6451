from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "disclosure"
    verbose_name = "Subject access and pupil files"

    def ready(self) -> None:
        from visits import who

        from . import who as disclosure_who

        for page, roles in disclosure_who.PAGE_ROLES.items():
            who.register_page(page, roles)
