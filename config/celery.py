"""The Celery application. Tasks run on a worker in production and in-process in the quick start."""

import os

from celery import Celery, signals
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("kith")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def beat_schedule_defined(*, schedule: dict, registered) -> dict:
    """The entries of `schedule` whose task is registered: beat never sends a task that no
    worker can run (an app that has not written its task yet simply has no entry)."""
    return {name: entry for name, entry in schedule.items() if entry["task"] in registered}


@signals.import_modules.connect(weak=False)
def _install_beat_schedule(sender=None, **kwargs):
    # Runs when a worker or beat starts, after autodiscover_tasks (connected before this) has
    # imported every app's tasks module.
    app.conf.beat_schedule = beat_schedule_defined(
        schedule=getattr(settings, "KITH_BEAT_SCHEDULE", {}), registered=app.tasks
    )
