"""Settings shared by every environment. Every value that differs between machines comes from
the environment (or a `.env` file beside manage.py); see the README and `.env.example` for
the full list."""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONCE, NONE, SELF

from config.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

# Production refuses to start with this key (config/settings/production.py).
DEVELOPMENT_SECRET_KEY = "kith-insecure-development-key-change-me"  # noqa: S105
SECRET_KEY = env("DJANGO_SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
# The key that encrypts fields at rest (`core.crypto`: full DBS certificate numbers). A Fernet
# key: 32 random bytes, url-safe base64. Production refuses to start with this one.
DEVELOPMENT_FIELD_KEY = "a2l0aC1pbnNlY3VyZS1kZXZlbG9wbWVudC1maWVsZHM="
KITH_FIELD_KEY = env("KITH_FIELD_KEY", default=DEVELOPMENT_FIELD_KEY)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_ID = 1
SITE_NAME = env("KITH_SITE_NAME", default="Kith")

INSTALLED_APPS = [
    "config.apps.KithAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.gis",
    "django.contrib.postgres",
    "rest_framework",
    "oauth2_provider",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "core",
    "places",
    "accounts",
    "trust",
    "marketplace",
    "matching",
    "safeguarding",
    "arrangements",
    "partners",
    "notifications",
    "directory",
    "privacy",
    "insights",
    "frontend",
    "staff_console",
    "demo",
    "config.apps.KithConfig",
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    "config.middleware.RefuseNulBytesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.LanguageMiddleware",
    # 413 for an API body larger than DATA_UPLOAD_MAX_MEMORY_SIZE (DRF reads past Django's).
    "config.middleware.ApiBodyLimitMiddleware",
    "config.middleware.SecondFactorMiddleware",
    "config.middleware.NoStoreForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.middleware.SessionLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Under /api/: unknown query parameters refused, and the rate limits' headers.
    "config.query.StrictQueryMiddleware",
    "config.throttling.RateLimitHeadersMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context_processors.site",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# `postgis://` selects GeoDjango's PostGIS backend.
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgis://postgres@127.0.0.1:5432/kith"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
# JIT turns a millisecond index lookup into hundreds of milliseconds of compilation on the
# spatial queries Kith runs most (measured in benchmarks/); it buys nothing for OLTP queries.
DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
# Server-side prepared statements (`core.db.prepared_cursor`: the matching candidate
# statements). "off" behind a transaction-mode pooler (PgBouncer before 1.21, or without
# `max_prepared_statements`), which hands each transaction to any server connection: a
# statement prepared on one is missing, or already taken, on another. Server-side cursors
# (`QuerySet.iterator()`) outlive a transaction in the same way, so they go off with them.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None  # Django's cursors: never prepared
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = not DATABASE_PREPARED_STATEMENTS
# A streaming replica for reads that tolerate a few seconds' lag: only those a caller marks
# (`core.db.lag_tolerant`, routed by `config.db_router`); without it they read the primary.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"].update(
        CONN_MAX_AGE=DATABASES["default"]["CONN_MAX_AGE"],
        CONN_HEALTH_CHECKS=True,
        DISABLE_SERVER_SIDE_CURSORS=not DATABASE_PREPARED_STATEMENTS,
        # Tests read the test database through it: no second test database.
        TEST={"MIRROR": "default"},
    )
    DATABASES["replica"].setdefault("OPTIONS", {})
    DATABASES["replica"]["OPTIONS"].setdefault("options", "-c jit=off")
    DATABASES["replica"]["OPTIONS"]["prepare_threshold"] = None
DATABASE_ROUTERS = ["config.db_router.LagTolerantRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kith",
            # A cache that does not answer at once is treated as down (config.cache).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Users and sign-in ----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# OWASP ASVS 5 (V6): at least 8 characters (15 for staff), up to 64, common ones refused.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "config.security.StaffMinimumLengthValidator", "OPTIONS": {"min_length": 15}},
    {"NAME": "config.security.MaximumLengthValidator", "OPTIONS": {"max_length": 64}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Sessions -------------------------------------------------------------------------------
# Idle and absolute limits (seconds), shorter for staff; enforced by SessionLimitMiddleware.
KITH_SESSION_IDLE = env.int("KITH_SESSION_IDLE_SECONDS", default=30 * 60)
KITH_SESSION_ABSOLUTE = env.int("KITH_SESSION_ABSOLUTE_SECONDS", default=12 * 3600)
KITH_STAFF_SESSION_IDLE = env.int("KITH_STAFF_SESSION_IDLE_SECONDS", default=15 * 60)
KITH_STAFF_SESSION_ABSOLUTE = env.int("KITH_STAFF_SESSION_ABSOLUTE_SECONDS", default=8 * 3600)
# The GOV.UK timeout warning opens this long before a session would end for lack of use.
KITH_SESSION_WARNING_SECONDS = env.int("KITH_SESSION_WARNING_SECONDS", default=120)
# Database sessions that record whose they are (accounts.sessions), so that a person's sessions
# are ended with one indexed delete.
SESSION_ENGINE = "accounts.sessions"
SESSION_COOKIE_AGE = KITH_SESSION_ABSOLUTE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Kith] "
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# allauth's rate limits (login failures, sign-up, password reset, confirmation emails) are
# on by default; they are listed here so that nobody switches them off by accident.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "request_login_code": "20/m/ip,3/m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    # Kith's own: going online with a code sent by text or letter (frontend/views/claim.py).
    "claim_account": "20/m/ip,10/h/key",
}
# Changing email addresses or MFA asks for the password again unless the person re-entered it
# in the last ACCOUNT_REAUTHENTICATION_TIMEOUT seconds (allauth: 300); signing in alone does
# not count. Changing the password always asks for the current one.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# Five wrong passwords pause password sign-in for an address ("login_failed" above), the right
# password too, so strangers guessing could lock a person out. A one-time code emailed to the
# address still signs them in (one factor: staff are then asked for their authenticator code).
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 10 * 60
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
MFA_REAUTHENTICATION_REQUIRED = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME

# A form refused for its security token gets a page saying nothing was saved and why.
CSRF_FAILURE_VIEW = "config.views.csrf_failure"

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", default=str(BASE_DIR / ".local" / "mail"))
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Kith <no-reply@kith.example>")
if env("EMAIL_URL", default=""):
    vars().update(env.email("EMAIL_URL"))

# --- Client addresses behind proxies -------------------------------------------------------
# How many proxies (load balancer, CDN) add themselves to X-Forwarded-For in front of Kith.
# 0: the client is REMOTE_ADDR. Per-IP rate limits (allauth, DRF) and the security log use it;
# set it right, or every visitor looks like the load balancer and shares one limit.
KITH_TRUSTED_PROXY_COUNT = env.int("KITH_TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = KITH_TRUSTED_PROXY_COUNT

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Tokens first: an anonymous API client gets 401 with a WWW-Authenticate header.
        # Personal access tokens, then applications' OAuth tokens (docs/api.md, "Getting in").
        "config.authentication.TokenAuthentication",
        "config.authentication.OAuth2Authentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # A token's scopes are enforced here, for every view, not view by view.
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "config.authentication.TokenScopes",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Page envelopes, or a cursor for lists that declare `cursor_ordering` (config.pagination).
    "DEFAULT_PAGINATION_CLASS": "config.pagination.KithPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    # JSON only (a form or multipart body is a 415 that says to send JSON), through a parser
    # that refuses absurdly nested documents with a 400. The schema then lists JSON alone, so
    # generated clients send nested bodies as JSON.
    "DEFAULT_PARSER_CLASSES": ["config.parsers.JSONParser"],
    # Per person when signed in, per IP address otherwise; the message is in config.api.
    "DEFAULT_THROTTLE_CLASSES": [
        "config.throttling.PersonRateThrottle",
        "config.throttling.AnonymousRateThrottle",
    ],
    # Zero means zero: DRF reads None as "trust X-Forwarded-For", which anyone can forge.
    "NUM_PROXIES": KITH_TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "user": env("KITH_API_RATE_USER", default="240/min"),
        "anon": env("KITH_API_RATE_ANON", default="60/min"),
    },
}
# OAuth 2.0 for applications acting for a person (docs/api.md, "Getting in"): authorisation
# code with PKCE (S256 only), refresh tokens rotated and their reuse detected, tokens stored
# hashed, https redirect addresses matched exactly. Applications are registered by operators in
# the Django admin. `staff` is granted only from a session that used its second factor and
# only for one access token's life (config.oauth.Validator drops it on refresh).
OAUTH2_PROVIDER = {
    "SCOPES": {
        "read": "Read your information",
        "write": "Read and change your information",
        "staff": "Use your staff access",
    },
    "DEFAULT_SCOPES": ["read"],
    "OAUTH2_VALIDATOR_CLASS": "config.oauth.Validator",
    "PKCE_REQUIRED": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 90 * 24 * 3600,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REQUEST_APPROVAL_PROMPT": "force",
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kith API",
    "DESCRIPTION": (
        "Kith matches people who need a hand with neighbours who can help. Locations of "
        "other people are approximate (a grid of at least 500 m) and distances are bands."
    ),
    "VERSION": "1.0.0",
    # Open data is published under the OGL (docs/open-data.md).
    "LICENSE": {
        "name": "Open Government Licence v3.0",
        "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    },
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs page serves Swagger UI from Kith's own static files (no CDN), and its script
    # from a separate URL, so the Content-Security-Policy needs no 'unsafe-inline'.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Needs and offers share one set of dietary choices: one name in the schema.
    "ENUM_NAME_OVERRIDES": {"DietaryTagEnum": "marketplace.models.DietaryTag"},
    # A PATCH body is what its serializer says (the API's are not partial): `version` stays
    # required where the service needs it.
    "COMPONENT_SPLIT_PATCH": False,
    # JSON request bodies only, every error answer in the problem-details shape (config.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.postprocess",
    ],
}

# Who answers questions about Kith's open data (docs/open-data.md), named in every answer.
KITH_OPEN_DATA_CONTACT = env("KITH_OPEN_DATA_CONTACT", default="opendata@kith.example")

# --- Background work ------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Europe/London"
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="default")
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Workers log through Django's LOGGING (JSON in production), not Celery's own root handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Periodic work for `celery beat`. A task is scheduled only once its module defines it, so the
# schedule never names a task a worker cannot run (see _scheduled_if_defined below).
KITH_BEAT_SCHEDULE = {
    "expire-listings": {
        "task": "marketplace.tasks.listings_expire",
        "schedule": env.int("KITH_EXPIRY_EVERY_SECONDS", default=15 * 60),
    },
    "enforce-helper-check-expiry": {
        "task": "safeguarding.tasks.helper_checks_enforce_expiry",
        "schedule": env.int("KITH_CHECK_EXPIRY_EVERY_SECONDS", default=6 * 3600),
    },
    "expire-stale-proposals": {
        "task": "matching.tasks.expire_stale_proposals",
        "schedule": env.int("KITH_PROPOSAL_EXPIRY_EVERY_SECONDS", default=3600),
    },
    "run-owed-urgent-alerts": {
        "task": "matching.tasks.alert_requests_pending",
        "schedule": env.int("KITH_NOTIFICATION_SWEEP_EVERY_SECONDS", default=60),
    },
    # The next wave of an urgent need's rotated alerts, while no helper has said yes.
    "urgent-alert-waves": {
        "task": "matching.tasks.alert_waves_due",
        "schedule": env.int("KITH_ALERT_WAVES_EVERY_SECONDS", default=60),
    },
    "send-queued-notifications": {
        "task": "notifications.tasks.send_queued",
        "schedule": env.int("KITH_NOTIFICATION_SWEEP_EVERY_SECONDS", default=60),
    },
    "tell-helpers-of-expiring-checks": {
        "task": "notifications.tasks.checks_expiring",
        "schedule": env.int("KITH_CHECK_REMINDER_EVERY_SECONDS", default=24 * 3600),
    },
    "notification-failures-digest": {
        "task": "notifications.tasks.failures_digest",
        "schedule": env.int("KITH_FAILURES_DIGEST_EVERY_SECONDS", default=24 * 3600),
    },
    "generate-visits-ahead": {
        "task": "arrangements.tasks.visits_ahead",
        "schedule": env.int("KITH_VISITS_AHEAD_EVERY_SECONDS", default=24 * 3600),
    },
    "visit-check-ins": {
        "task": "arrangements.tasks.checkins",
        "schedule": env.int("KITH_CHECKINS_EVERY_SECONDS", default=15 * 60),
    },
    "still-need-help": {
        "task": "arrangements.tasks.still_needed",
        "schedule": env.int("KITH_STILL_NEEDED_EVERY_SECONDS", default=24 * 3600),
    },
    "still-want-to-help": {
        "task": "matching.tasks.still_helping",
        "schedule": env.int("KITH_STILL_HELPING_EVERY_SECONDS", default=24 * 3600),
    },
    "apply-retention": {
        "task": "privacy.tasks.retention_apply",
        "schedule": env.int("KITH_RETENTION_EVERY_SECONDS", default=24 * 3600),
    },
    "read-council-directories": {
        "task": "directory.tasks.directory_refresh_all",
        "schedule": env.int("KITH_DIRECTORY_EVERY_SECONDS", default=24 * 3600),
    },
    # Also the open-data map's refresh period (insights.demand_map.period_seconds).
    "open-data-demand-maps": {
        "task": "insights.tasks.demand_maps_refresh",
        "schedule": env.int("KITH_DEMAND_MAP_EVERY_SECONDS", default=7 * 24 * 3600),
    },
    # Open data: each closed month and week published, then frozen (insights.publication).
    "open-data-publish": {
        "task": "insights.tasks.open_data_publish",
        "schedule": env.int("KITH_OPEN_DATA_EVERY_SECONDS", default=3600),
    },
    # Answers kept for `Idempotency-Key` retries live a day (core.idempotency).
    "expire-idempotency-keys": {
        "task": "core.tasks.idempotency_keys_expire",
        "schedule": env.int("KITH_IDEMPOTENCY_EXPIRY_EVERY_SECONDS", default=3600),
    },
}
# Queues by kind, each with workers of its own (docs/deploy.md): `alerts` (urgent-need alerts
# and sending notifications: small, must be quick), `rounds` (matching rounds: CPU, minutes),
# `housekeeping` (the beat jobs: expiry, retention, visits, reminders), `default` otherwise.
# KITH_CELERY_ROUTES=off puts every task on CELERY_TASK_DEFAULT_QUEUE (one worker for all).
CELERY_TASK_ROUTES = {
    **{entry["task"]: {"queue": "housekeeping"} for entry in KITH_BEAT_SCHEDULE.values()},
    "matching.tasks.alert_*": {"queue": "alerts"},
    "matching.tasks.alert_requests_pending": {"queue": "alerts"},
    "matching.tasks.alert_waves_due": {"queue": "alerts"},
    "notifications.tasks.send_notification": {"queue": "alerts"},
    "notifications.tasks.send_queued": {"queue": "alerts"},
    "config.tasks.email_check": {"queue": "alerts"},
    "matching.tasks.round_*": {"queue": "rounds"},
}
if not env.bool("KITH_CELERY_ROUTES", default=True):
    CELERY_TASK_ROUTES = {}

# --- Notifications: GOV.UK Notify (README, "GOV.UK Notify") ---------------------------------
# Without NOTIFY_API_KEY, email goes through EMAIL_BACKEND and text messages and letters are
# written to KITH_OUTBOX_DIR (or only logged when that is empty).
NOTIFY_API_KEY = env("NOTIFY_API_KEY", default="")
NOTIFY_BASE_URL = env("NOTIFY_BASE_URL", default="https://api.notifications.service.gov.uk")
NOTIFY_TIMEOUT_SECONDS = env.int("NOTIFY_TIMEOUT_SECONDS", default=10)
NOTIFY_EMAIL_TEMPLATE_ID = env("NOTIFY_EMAIL_TEMPLATE_ID", default="")
NOTIFY_SMS_TEMPLATE_ID = env("NOTIFY_SMS_TEMPLATE_ID", default="")
NOTIFY_LETTER_TEMPLATE_ID = env("NOTIFY_LETTER_TEMPLATE_ID", default="")
NOTIFY_EMAIL_REPLY_TO_ID = env("NOTIFY_EMAIL_REPLY_TO_ID", default="")
NOTIFY_SMS_SENDER_ID = env("NOTIFY_SMS_SENDER_ID", default="")
# The bearer tokens Notify sends with its callbacks (delivery receipts, received texts).
NOTIFY_RECEIPT_TOKEN = env("NOTIFY_RECEIPT_TOKEN", default="")
NOTIFY_INBOUND_TOKEN = env("NOTIFY_INBOUND_TOKEN", default="")
KITH_OUTBOX_DIR = env("KITH_OUTBOX_DIR", default="")

# --- Internationalisation -------------------------------------------------------------------
# English and Welsh (docs/welsh.md). Each room keeps its Welsh in `<room>/locale/cy/`; the
# language of a page is chosen by `config.middleware.LanguageMiddleware`. A deployment for a
# Welsh council may make Welsh the default for people who have not chosen (KITH_LANGUAGE=cy).
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
LANGUAGE_CODE = env("KITH_LANGUAGE", default="en-gb")
LANGUAGE_COOKIE_NAME = "kith_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
# Welsh for the words of the packages Kith uses (allauth ships none), kept by hand: each room's
# own catalogue is made by `make messages`, this one is not.
LOCALE_PATHS = [BASE_DIR / "config" / "locale_overrides"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "frontend" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Kith -----------------------------------------------------------------------------------
# Approximate locations shown to other people are snapped to a grid of this many metres.
KITH_LOCATION_GRID_M = env.int("KITH_LOCATION_GRID_M", default=500)
# The address people use to reach Kith, for links in emails sent outside a request (alerts).
# Empty: the domain of the Sites framework's current site, over https.
KITH_BASE_URL = env("KITH_BASE_URL", default="")
# A council's Open Referral UK directory must be on the public internet over HTTPS; only a
# test or a closed network reading its own directory server turns this on.
KITH_DIRECTORY_ALLOW_PRIVATE_HOSTS = env.bool("KITH_DIRECTORY_ALLOW_PRIVATE_HOSTS", default=False)
MAP_TILE_URL = env("KITH_MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env("KITH_MAP_TILE_ATTRIBUTION", default="")

SILENCED_SYSTEM_CHECKS = [
    # gis.W001 warns that GDAL < 3.9 can be tricked through SpatialReference strings. Kith
    # never passes user input to SpatialReference: SRIDs are constants in code, and the only
    # CRS read from a file is in import_council, a command run by operators on files they chose.
    "gis.W001",
]

# --- Security headers (every environment) -------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"


def _tile_source(url_template: str) -> str | None:
    """The CSP source for a tile URL template: `https://{s}.tile.example/{z}/{x}/{y}.png`
    becomes `https://*.tile.example`."""
    parts = urlsplit(url_template)
    if not parts.scheme or not parts.netloc:
        return None
    host = parts.netloc.replace("{s}", "*")
    if "{" in host:  # any other placeholder in the host: allow that domain's subdomains
        host = "*." + host.split("}", 1)[-1].lstrip(".-")
    return f"{parts.scheme}://{host}"


_img_sources = [SELF, "data:"]
if MAP_TILE_URL and (_tile := _tile_source(MAP_TILE_URL)):
    _img_sources.append(_tile)

# No 'unsafe-inline': an inline <script> or <style> needs nonce="{{ request.csp_nonce }}".
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": _img_sources,
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Operations -----------------------------------------------------------------------------
# Statements slower than this are logged by kith.db.slow (0 switches the log off).
KITH_SLOW_QUERY_MS = env.int("KITH_SLOW_QUERY_MS", default=500)
# /metrics answers staff who are signed in, or a scraper that sends this bearer token.
KITH_METRICS_TOKEN = env("KITH_METRICS_TOKEN", default="")
# /healthz checks the Celery worker with a ping of this many seconds (never when eager).
KITH_HEALTH_WORKER_TIMEOUT = env.float("KITH_HEALTH_WORKER_TIMEOUT", default=1.0)
# A silent worker makes /healthz answer 503 (rather than "degraded") only when this is set.
KITH_HEALTH_REQUIRE_WORKER = env.bool("KITH_HEALTH_REQUIRE_WORKER", default=False)
# Queues whose depth /metrics reports (Celery's Redis transport keeps each as a list).
KITH_CELERY_QUEUES = env.list(
    "KITH_CELERY_QUEUES", default=["alerts", "rounds", "housekeeping", "default"]
)
SENTRY_DSN = env("SENTRY_DSN", default="")

LOGGING = logging_config(
    level=env("DJANGO_LOG_LEVEL", default="INFO"),
    fmt=env("DJANGO_LOG_FORMAT", default="json"),
)
# Flood limits per person, counted in the database ("30/10min": at most 30 in any 10 minutes).
KITH_MESSAGE_FLOOD_LIMIT = env("KITH_MESSAGE_FLOOD_LIMIT", default="30/10min")
KITH_REPORT_FLOOD_LIMIT = env("KITH_REPORT_FLOOD_LIMIT", default="10/60min")
