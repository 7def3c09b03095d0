"""Beat schedules a periodic task only once an app defines it."""

from django.conf import settings

from config.celery import app, beat_schedule_defined


def test_only_defined_tasks_are_scheduled():
    app.loader.import_default_modules()  # what a worker or beat does at start
    schedule = {
        **settings.KITH_BEAT_SCHEDULE,
        "not-written-yet": {"task": "nowhere.tasks.not_written_yet", "schedule": 60},
    }
    chosen = beat_schedule_defined(schedule=schedule, registered=app.tasks)
    assert "not-written-yet" not in chosen
    assert set(chosen) == {n for n, e in schedule.items() if e["task"] in app.tasks}
    # The expiry tasks that exist today are on the schedule beat really uses.
    assert chosen["expire-listings"]["task"] == "marketplace.tasks.listings_expire"
    assert app.conf.beat_schedule == beat_schedule_defined(
        schedule=settings.KITH_BEAT_SCHEDULE, registered=app.tasks
    )
