from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "safeguarding"
    verbose_name = "Safeguarding"

    def ready(self) -> None:
        from visits import access, hooks, lifecycle, moves, who
        from visits.signals import code_word_raised, record_written

        from . import panels, risk
        from . import who as safeguarding_who
        from .alerts import on_code_word_raised
        from .concerns import concern_from_record, incident_from_record
        from .views import risk as risk_views

        code_word_raised.connect(on_code_word_raised, dispatch_uid="safeguarding.code_word_alert")
        # hc21: "yes" to a child protection concern on the record makes a concern for the leads.
        record_written.connect(concern_from_record, dispatch_uid="safeguarding.concern_from_record")
        # hc22: an incident on the record becomes an Incident for the leads (and the head).
        record_written.connect(incident_from_record, dispatch_uid="safeguarding.incident_from_record")
        # hc09, hc10: no authorisation without a current risk assessment; High needs the override.
        lifecycle.register_authorisation_check(risk.authorisation_check, is_high_risk=risk.is_high_risk)
        # hc09, hc10: no set-off on an assessment that changed since, or High without the go-ahead.
        moves.register_start_check(risk.start_check)
        # Its school-wide pages' roles, and the needs of its pages about one visit.
        for page, roles in safeguarding_who.PAGE_ROLES.items():
            who.register_page(page, roles)
        for page, url_name in safeguarding_who.HOME_PAGES:
            who.register_home_page(page, url_name)
        for need, predicate in safeguarding_who.NEEDS.items():
            access.register_need(need, predicate)
        # Its panels on the visit page, and the risk review as the step after booking (hc09).
        for slot, slot_panels in panels.PANELS.items():
            for panel in slot_panels:
                hooks.register_panel(slot, panel)
        hooks.register_after_booking(risk_views.review_after_booking)
