from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "safeguarding"
    verbose_name = "Safeguarding"

    def ready(self) -> None:
        from visits.signals import code_word_raised

        from .alerts import on_code_word_raised

        code_word_raised.connect(on_code_word_raised, dispatch_uid="safeguarding.code_word_alert")
