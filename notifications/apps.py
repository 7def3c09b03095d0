from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from core.events import happened  # noqa: PLC0415 - apps are loaded first

        from . import tasks  # noqa: F401, PLC0415 - registers the sending task by its name
        from .pipeline import on_event  # noqa: PLC0415 - models are ready only now

        happened.connect(
            lambda sender, event, **kwargs: on_event(event),
            dispatch_uid="notifications.on_event",
            weak=False,
        )
