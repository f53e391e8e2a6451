from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "safeguarding"
    verbose_name = "Safeguarding"

    def ready(self) -> None:
        from visits import access, lifecycle, who
        from visits.signals import code_word_raised, record_written

        from . import risk
        from .alerts import on_code_word_raised
        from .concerns import concern_from_record, incident_from_record

        code_word_raised.connect(on_code_word_raised, dispatch_uid="safeguarding.code_word_alert")
        # hc21: "yes" to a child protection concern on the record makes a concern for the leads.
        record_written.connect(concern_from_record, dispatch_uid="safeguarding.concern_from_record")
        # hc22: an incident on the record becomes an Incident for the leads (and the head).
        record_written.connect(incident_from_record, dispatch_uid="safeguarding.incident_from_record")
        # hc09, hc10: no authorisation without a current risk assessment; High needs the override.
        lifecycle.register_authorisation_check(risk.authorisation_check, is_high_risk=risk.is_high_risk)
        # The needs of safeguarding's pages about one visit, checked by `visit_for_user(need=...)`.
        for need, predicate in {
            "see_risk": who.may_see_risk,
            "review_risk": who.may_review_risk,
            "raise_concern": who.may_raise_concern,
            "report_incident": who.may_report_incident,
            "record_cpoms": who.may_record_cpoms,
        }.items():
            access.register_need(need, predicate)
