from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = "Home visits"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from homevisits import checks  # noqa: F401 - registers the deployment checks
        from homevisits.db_roles import grant_after_migrate
        from homevisits.middleware import note_sign_in

        user_logged_in.connect(note_sign_in, dispatch_uid="homevisits.note_sign_in")
        post_migrate.connect(grant_after_migrate, dispatch_uid="homevisits.db_roles.grant_after_migrate")
