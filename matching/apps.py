from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Matching"

    def ready(self) -> None:
        from marketplace.signals import need_opened

        from .tasks import need_opened as alert_if_urgent

        need_opened.connect(
            lambda sender, need, **kwargs: alert_if_urgent(need=need),
            dispatch_uid="matching.alert_if_urgent",
            weak=False,
        )
