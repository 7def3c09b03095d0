"""Settings for the test suite: real PostGIS, fast password hashing, in-memory email."""

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Each test starts from a clean database; persistent connections only slow teardown.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The throttle cache lives for the whole run and many tests share an IP address; the
# throttling tests set low rates themselves (config.throttling reads rates on each request).
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"user": "100000/min", "anon": "100000/min"},
}
# Every test client comes from 127.0.0.1 and allauth counts in the same run-long cache, so the
# per-IP limits are raised here; per-account (key) limits stay as in production. The abuse
# tests in tests/security/ put the production limits back and clear the cache.
ACCOUNT_RATE_LIMITS = {
    **ACCOUNT_RATE_LIMITS,  # noqa: F405
    "login": "10000/m/ip",
    "login_failed": "10000/m/ip,5/5m/key",
    "signup": "10000/m/ip",
    "reset_password": "10000/m/ip,5/m/key",
    "reset_password_from_key": "10000/m/ip",
    "request_login_code": "10000/m/ip,3/m/key",
}
