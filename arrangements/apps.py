from django.apps import AppConfig


class ArrangementsConfig(AppConfig):
    name = "arrangements"
    verbose_name = "Ongoing help"

    def ready(self) -> None:
        from core.events import happened  # noqa: PLC0415 - apps are loaded first

        from . import tasks  # noqa: F401, PLC0415 - registers the beat jobs by their names
        from .follow import on_match_event  # noqa: PLC0415 - models are ready only now

        happened.connect(
            lambda sender, event, **kwargs: on_match_event(event),
            dispatch_uid="arrangements.on_match_event",
            weak=False,
        )
