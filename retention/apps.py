from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "retention"
    verbose_name = "Retention"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_save

        from safeguarding.models import Concern, Incident
        from visits import hooks, who
        from visits.models import Visit, VisitReason, VisitRecord

        from . import panels, signals
        from . import who as retention_who

        for page, roles in retention_who.PAGE_ROLES.items():
            who.register_page(page, roles)
        # On a visit's page: erased, or (to its leads) how long it is kept.
        for slot, slot_panels in panels.PANELS.items():
            for panel in slot_panels:
                hooks.register_panel(slot, panel)
        # A record's basis may change after it was first dated (a concern raised later makes it
        # child protection related): its date is recomputed once the change commits.
        for model in (Concern, Incident, VisitRecord, VisitReason):
            post_save.connect(signals.on_basis_changed, sender=model, dispatch_uid=f"retention.basis.{model.__name__}")
        m2m_changed.connect(signals.on_pupils_changed, sender=Visit.pupils.through, dispatch_uid="retention.pupils")
