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

        from . import signals, stored_documents

        user_logged_in.connect(note_sign_in, dispatch_uid="homevisits.note_sign_in")
        # Documents kept as they were (issue 17), at the moments they become true.
        for signal, receiver in (
            (signals.visit_moved, stored_documents.on_visit_moved),
            (signals.step_logged, stored_documents.on_step_logged),
            (signals.record_written, stored_documents.on_record_written),
            (signals.parent_signed, stored_documents.on_parent_signed),
            (signals.staff_signed, stored_documents.on_staff_signed),
        ):
            signal.connect(receiver, dispatch_uid=f"visits.stored_documents.{receiver.__name__}")
        post_migrate.connect(grant_after_migrate, dispatch_uid="homevisits.db_roles.grant_after_migrate")
