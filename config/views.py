"""Project-level endpoints that belong to no single app."""

import logging

from django.db import connection
from django.db.utils import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """200 with database and PostGIS versions when the database answers, else 503."""
    checks: dict[str, object] = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version'), postgis_lib_version()")
            pg_version, postgis_version = cursor.fetchone()
        checks["database"] = {"ok": True, "postgresql": pg_version, "postgis": postgis_version}
    except DatabaseError as exc:
        logger.warning("healthz: database unreachable: %s", exc)
        checks["database"] = {"ok": False, "error": "database unreachable"}
        healthy = False
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
