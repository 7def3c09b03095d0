"""Settings for a developer's machine and the quick start (`make run`)."""

from config.logging import logging_config

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# The quick start needs no worker: tasks run in-process unless a broker is configured.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
LOGGING = logging_config(
    level=env("DJANGO_LOG_LEVEL", default="INFO"), fmt=env("DJANGO_LOG_FORMAT", default="text")
)
# Links in emails point at the development server unless told otherwise.
KITH_BASE_URL = env("KITH_BASE_URL", default="http://127.0.0.1:8000")
# Without a Notify account, text messages and letters land here as JSON files to read.
KITH_OUTBOX_DIR = env("KITH_OUTBOX_DIR", default=str(BASE_DIR / ".local" / "outbox"))  # noqa: F405
