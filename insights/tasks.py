"""The beat jobs of open data: each closed month and week published once, then frozen
(`insights.publication`), and every week each active council's map of needs waiting for help
taken and stored (`insights.demand_map`). Both are safe to run on several workers at once, and
twice: what is already published, or counted in the period, is left as it is."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from accounts.models import Council

from .demand_map import demand_map_refresh
from .publication import publish_closed_periods

logger = logging.getLogger(__name__)


def _moment(now: str | None) -> dt.datetime:
    """Now, or the ISO instant a caller gives (a test moving time, an operator catching up)."""
    return dt.datetime.fromisoformat(now) if now else timezone.now()


@shared_task(name="insights.tasks.demand_maps_refresh")
def demand_maps_refresh(now: str | None = None) -> dict:
    """Count each active council's map for the period holding `now` (every period). A council
    whose count fails keeps its last map and is counted again next period; the others go on."""
    moment = _moment(now)
    done = {"counted": 0, "changed": 0, "already": 0, "failed": 0}
    for council in Council.objects.filter(is_active=True).defer("boundary").order_by("pk"):
        try:
            refreshed = demand_map_refresh(council=council, now=moment)
        except Exception:
            logger.exception(
                "open-data map not counted",
                extra={"event": "demand_map_failed", "council_id": council.pk},
            )
            done["failed"] += 1
            continue
        done["counted" if refreshed.counted else "already"] += 1
        done["changed"] += refreshed.changed
    return done


@shared_task(name="insights.tasks.open_data_publish")
def open_data_publish(now: str | None = None) -> dict:
    """Publish every active council's periods that have closed by `now` and are not published
    yet; a council or period that fails is logged and tried again at the next run."""
    return publish_closed_periods(now=_moment(now))
