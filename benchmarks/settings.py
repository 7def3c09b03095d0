"""Settings for benchmark runs: the normal settings, a separate database (kith_bench, set by
benchmarks.__main__ before Django starts), persistent connections, no DEBUG query log."""

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# One persistent connection for the whole run: a new connection costs tens of milliseconds,
# which would otherwise be measured as part of every request.
DATABASES["default"]["CONN_MAX_AGE"] = None
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
KITH_SLOW_QUERY_MS = 0
LOGGING = {"version": 1, "disable_existing_loggers": False}
