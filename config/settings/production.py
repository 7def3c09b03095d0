"""Production settings: secrets have no default, transport is HTTPS only, and settings that
would be unsafe refuse to start rather than warn."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEVELOPMENT_FIELD_KEY, DEVELOPMENT_SECRET_KEY, REST_FRAMEWORK, env

DEBUG = False
# Static files under hashed names, which WhiteNoise serves to be cached for good
# (`config.static`); `collectstatic` writes them (scripts/prod.sh runs it on every start).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.static.HashedStaticFiles"},
}
SECRET_KEY = env("DJANGO_SECRET_KEY")
# Django's own deployment check only warns about these (security.W009); here they stop the
# start, since a known or short key lets anyone sign sessions and password-reset links.
if SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is the development key: set a long random one for production."
    )
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is too short or too simple: use at least 50 random characters."
    )
# Full DBS certificate numbers are encrypted with this key: no default, never the
# development one, and a well-formed Fernet key (32 bytes, url-safe base64).
KITH_FIELD_KEY = env("KITH_FIELD_KEY")
if KITH_FIELD_KEY == DEVELOPMENT_FIELD_KEY:
    raise ImproperlyConfigured(
        "KITH_FIELD_KEY is the development key: set a random one for production, e.g. "
        "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
    )
if len(KITH_FIELD_KEY) != 44:
    raise ImproperlyConfigured("KITH_FIELD_KEY must be a Fernet key: 32 bytes, url-safe base64.")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS must name the host names Kith is served on ('*' is refused)."
    )

# The browsable API is a development aid: production answers JSON only.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_NAME = "__Host-kith_session"
CSRF_COOKIE_NAME = "__Host-kith_csrf"

# Errors to Sentry only when a DSN is given. sentry-sdk is not a Kith dependency; install it
# (`uv add sentry-sdk`) in deployments that use Sentry.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    try:
        import sentry_sdk
        from sentry_sdk.integrations.celery import CeleryIntegration
        from sentry_sdk.integrations.django import DjangoIntegration
    except ImportError as exc:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "SENTRY_DSN is set but sentry-sdk is not installed: install it or unset SENTRY_DSN."
        ) from exc
    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        environment=env("SENTRY_ENVIRONMENT", default="production"),
    )
