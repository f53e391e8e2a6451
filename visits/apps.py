from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = "Home visits"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from homevisits import checks  # noqa: F401 - registers the deployment checks
        from homevisits.middleware import note_sign_in

        user_logged_in.connect(note_sign_in, dispatch_uid="homevisits.note_sign_in")
