from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = "Home visits"

    def ready(self) -> None:
        from homevisits import checks  # noqa: F401 - registers the deployment checks
