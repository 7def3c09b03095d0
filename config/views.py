"""Project-level endpoints that belong to no single app: `/healthz`, `/metrics` and the page
shown when someone is rate limited."""

from __future__ import annotations

import hmac
import logging
import time

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.db.utils import DatabaseError
from django.http import (
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.second_factor import second_factor_used
from core.db import lag_tolerant

from . import problems
from .api import is_api_request
from .languages import supported_language
from .security import SESSION_SEEN, SESSION_STAFF, SESSION_STARTED, session_limits

logger = logging.getLogger(__name__)


# --- /healthz -----------------------------------------------------------------------------
def _redis_ping(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    finally:
        client.close()


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version'), postgis_lib_version()")
            pg_version, postgis_version = cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("healthz: database unreachable: %s", exc)
        return {"ok": False, "required": True, "error": "database unreachable"}
    return {"ok": True, "required": True, "postgresql": pg_version, "postgis": postgis_version}


def _check_redis(*, name: str, url: str) -> dict:
    """Redis is not required: without it the cache and rate limits count in each process
    (`config.cache`) and work waits in the database for the beat jobs, so pages answer."""
    try:
        _redis_ping(url)
    except Exception as exc:  # noqa: BLE001 – any failure means "unreachable"
        logger.warning("healthz: %s unreachable: %s", name, exc)
        return {"ok": False, "required": False, "error": f"{name} unreachable"}
    return {"ok": True, "required": False}


_ping_apps: dict[str, object] = {}


def _ping_app(broker_url: str):
    """A small Celery client of `broker_url`, kept per URL. The project's app publishes
    control messages through its own producer pool, fixed to the broker it first read; this
    one always asks the broker the settings name now."""
    from celery import Celery

    app = _ping_apps.get(broker_url)
    if app is None:
        app = _ping_apps[broker_url] = Celery(
            "kith-healthz", broker=broker_url, set_as_current=False
        )
    return app


def _check_worker() -> dict:
    timeout = settings.KITH_HEALTH_WORKER_TIMEOUT
    try:
        replies = _ping_app(settings.CELERY_BROKER_URL).control.ping(timeout=timeout, limit=1)
    except Exception as exc:  # noqa: BLE001 – a broker failure is reported by its own check
        logger.warning("healthz: worker ping failed: %s", exc)
        replies = []
    required = settings.KITH_HEALTH_REQUIRE_WORKER
    if not replies:
        return {"ok": False, "required": required, "error": f"no worker answered in {timeout} s"}
    return {"ok": True, "required": required, "workers": sorted(n for r in replies for n in r)}


@never_cache
@require_GET
def healthz(request):
    """Each dependency as a check. 503 when a required check fails (the database; the worker
    when KITH_HEALTH_REQUIRE_WORKER is set), "degraded" with 200 and the parts that are down
    when only an optional one does (Redis as cache or broker, the worker), so a load balancer
    keeps every web node serving pages through a Redis outage or a worker restart."""
    checks: dict[str, dict] = {"database": _check_database()}
    if settings.REDIS_URL:
        checks["cache"] = _check_redis(name="cache", url=settings.REDIS_URL)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        checks["worker"] = {"ok": True, "required": False, "skipped": "tasks run in-process"}
    else:
        broker = settings.CELERY_BROKER_URL
        if broker.startswith(("redis://", "rediss://")):
            checks["broker"] = _check_redis(name="broker", url=broker)
        if checks.get("broker", {}).get("ok", True):
            checks["worker"] = _check_worker()
        else:
            checks["worker"] = {
                "ok": False,
                "required": settings.KITH_HEALTH_REQUIRE_WORKER,
                "error": "broker unreachable",
            }
    failed_required = any(not c["ok"] and c["required"] for c in checks.values())
    down = [name for name, c in checks.items() if not c["ok"]]
    status = "unavailable" if failed_required else "degraded" if down else "ok"
    body: dict = {"status": status, "checks": checks}
    if down:
        body["down"] = down
    return JsonResponse(body, status=503 if failed_required else 200)


# --- /metrics -----------------------------------------------------------------------------
def _metrics_allowed(request) -> bool:
    token = settings.KITH_METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").encode(), token.encode())
    # Every council's figures: platform operators only, signed in with their second factor;
    # council staff see their own council's on the oversight page.
    user = request.user
    return user.is_authenticated and user.is_active and user.is_staff and second_factor_used(user)


@never_cache
@require_GET
def metrics(request):
    """Prometheus text format, read from the database and the broker at scrape time. For a
    scraper sending `Authorization: Bearer <KITH_METRICS_TOKEN>`, or a platform operator
    signed in with their second factor."""
    if not _metrics_allowed(request):
        return HttpResponse(
            "Metrics are for Kith's operators or a scraper with the metrics token.\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    from insights.metrics import registry

    # Aggregates a scraper reads every few seconds: the replica's to answer when there is one.
    with lag_tolerant():
        body = generate_latest(registry())
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


# --- 429 ----------------------------------------------------------------------------------
TOO_MANY_REQUESTS = _(
    "You have tried this too many times in a short while. To keep your account safe, "
    "please wait a few minutes and then try again."
)


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to Kith's icon."""
    return HttpResponsePermanentRedirect(static("kith/favicon.svg"))


@require_GET
def switch_language(request, code: str):
    """The English | Cymraeg switch on every page: a plain link (no script, no form), so the
    choice is remembered in a cookie and the person comes back to the page they were on."""
    language = supported_language(code)
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response


@never_cache
@require_GET
def session_status(request):
    """How long the signed-in session may still sit unused, for the timeout warning. Asking
    does not count as using it (`SessionLimitMiddleware`)."""
    left = getattr(request, "kith_session_left", None)
    signed_in = request.user.is_authenticated and left is not None
    return JsonResponse({"signed_in": signed_in, "seconds_left": max(left, 0) if signed_in else 0})


@never_cache
@require_POST
def session_stay(request):
    """ "Stay signed in" on the timeout warning: this request is the activity that keeps the
    session; without script the form comes back to the page it was on."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.POST.get("next") or "/")
    now = int(time.time())
    request.session[SESSION_SEEN] = now
    if request.headers.get("Accept", "").startswith("application/json"):
        limits = session_limits(staff=bool(request.session.get(SESSION_STAFF)))
        started = request.session.get(SESSION_STARTED, now)
        left = min(limits.idle_seconds, limits.absolute_seconds - (now - started))
        return JsonResponse({"signed_in": True, "seconds_left": max(left, 0)})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return HttpResponseRedirect(target)


def too_many_requests(request, exception=None):
    """allauth's rate limits (sign-in, sign-up, password reset) answer with this page."""
    context = {"message": TOO_MANY_REQUESTS}
    title = gettext("Too many attempts")
    try:
        body = render_to_string("429.html", context, request=request)
    except TemplateDoesNotExist:
        body = (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{escape(title)} – {escape(settings.SITE_NAME)}</title></head>"
            f"<body><h1>{escape(title)}</h1><p>{escape(TOO_MANY_REQUESTS)}</p></body></html>"
        )
    return HttpResponse(body, status=429)


# --- 404 -------------------------------------------------------------------------------------


def not_found(request, exception=None):
    """An address under /api/ that does not resolve (an id the URL converters refuse, a
    mistyped path) answers in JSON, as the API's own 404s do; other addresses get the page."""
    if is_api_request(request):
        body = problems.problem(problems.NOT_FOUND, detail=gettext("Not found."), code="not_found")
        return problems.problem_response(body)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


# --- 400, 403 and a refused form (CSRF) -----------------------------------------------------
def _error_page(request, *, template: str, status: int, title: str, context=None) -> HttpResponse:
    """The branded page `template` (with the site's navigation), or a bare page with `title`
    if even that cannot be drawn (a request too broken for the context processors)."""
    body: str
    try:
        body = render_to_string(template, context or {}, request=request)
    except Exception:  # the error page must never fail in turn
        logger.exception("error page %s could not be drawn", template)
        body = (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{escape(title)} – {escape(settings.SITE_NAME)}</title></head>"
            f"<body><h1>{escape(title)}</h1></body></html>"
        )
    return HttpResponse(body, status=status)


def bad_request(request, exception=None):
    """A request Django could not read (a malformed address or body): the API answers in JSON,
    the web with its page. Nothing was saved."""
    if is_api_request(request):
        if isinstance(exception, RequestDataTooBig):
            body = problems.problem(
                problems.TOO_LARGE,
                detail=gettext("The request's body is larger than Kith accepts."),
                code="too_large",
            )
        else:
            body = problems.problem(
                problems.MALFORMED,
                detail=gettext("The request could not be read."),
                code="malformed",
            )
        return problems.problem_response(body)
    return _error_page(
        request,
        template="400.html",
        status=400,
        title=gettext("Sorry, we could not understand that"),
    )


def permission_denied(request, exception=None):
    """A page the signed-in person may not open: the reason a view gave, when it gave one."""
    reason = str(exception or "")
    if is_api_request(request):
        body = problems.problem(
            problems.FORBIDDEN,
            detail=reason or gettext("You do not have permission to do this."),
            code="permission_denied",
        )
        return problems.problem_response(body)
    return _error_page(
        request,
        template="403.html",
        status=403,
        title=gettext("You cannot see this page"),
        context={"reason": reason},
    )


def csrf_failure(request, reason: str = ""):
    """A form sent without its valid security token (an old tab, a sign-in in another tab, no
    cookies): nothing was saved; say so and how to try again. Django's reason is logged."""
    logger.warning("form refused by the CSRF check: %s", reason)
    if is_api_request(request):
        body = problems.problem(
            problems.FORBIDDEN,
            detail=gettext(
                "The request's security token was missing or wrong. Reload and try again."
            ),
            code="csrf_failed",
        )
        return problems.problem_response(body)
    return _error_page(
        request, template="403_csrf.html", status=403, title=gettext("This page has expired")
    )
