"""The open-data map of needs waiting for help: a snapshot taken in the background, once per
council and period (a week), stored, and served from storage (`/api/v1/open/demand/`).

- `open_demand`: the snapshot taken now — a GeoJSON FeatureCollection of the hexagons of
  `insights.measures` (with their stable ids, `insights.publication.cell_id`) and the number
  of moderated needs waiting for help in each, through the open-data rule
  (`insights.disclosure`: under 10 withheld, the rest rounded to 5, more withheld where the
  council's total would uncover a hidden hexagon).
- `demand_map_refresh`: counts one council's map for the current period and stores it as the
  document the API serves, with its digest (ETag) and when it last changed (Last-Modified).
  A second run in the same period changes nothing; a run whose counts are the same as
  before keeps the ETag and Last-Modified, so clients' copies stay valid.
- `demand_map_stored`: what the API serves. A council that has no map yet (a new council, a
  fresh install) has it counted there and then, once: later requests read the stored one.

The beat job (`insights.tasks.demand_maps_refresh`) runs every refresh period; the period is
its interval in `KITH_BEAT_SCHEDULE` (entry `BEAT_ENTRY`), so the map's periods and the
job's runs cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Council
from insights import measures
from insights.disclosure import ROUND_TO, SUPPRESS_BELOW, Breakdown, protect
from insights.models import OpenDemandMap
from insights.open_formats import metadata
from insights.publication import needs_by_cell

BEAT_ENTRY = "open-data-demand-maps"
# The refresh period when the beat schedule has no entry for the job (a development setup).
DEFAULT_PERIOD_SECONDS = 7 * 24 * 3600
# Periods start on a Monday, 00:00 UTC (the Unix epoch was a Thursday).
_EPOCH_OFFSET_SECONDS = 4 * 24 * 3600
# The first key of the advisory lock that lets one process at a time count a council's map
# (the second key is the council's id): a fixed 32-bit number of its own.
_LOCK_SPACE = zlib.crc32(b"insights.demand_map") - 2**31


def open_demand(*, council: Council) -> dict:
    """A GeoJSON FeatureCollection of the hexagons (about 2 km across) with the moderated needs
    waiting for help now, through the open-data rule: hexagons whose count is withheld are left
    out, the others carry their rounded count."""
    counts, geometries = needs_by_cell(
        where=f"n.council_id = %(c)s AND {measures.WAITING} AND {measures.MODERATED}",
        params={"c": council.pk},
    )
    protected = protect(sum(counts.values()), [Breakdown("cells", counts, hidden_together=True)])
    shown = protected.breakdowns["cells"]
    return {
        "type": "FeatureCollection",
        "metadata": metadata(
            title=f"Kith: needs waiting for help per hexagon, {council.name}",
            status="snapshot",
            last_modified=None,  # the response's Last-Modified says when it last changed
        ),
        "features": [
            {
                "type": "Feature",
                "id": cell,
                "geometry": geometries[cell],
                "properties": {"cell": cell, "needs_waiting": n},
            }
            for cell, n in sorted(shown.items(), key=lambda item: (-(item[1] or 0), item[0]))
        ],
        "council": council.slug,
        "council_code": council.code,
        "council_name": council.name,
        "needs_waiting": protected.total,
        "suppressed_below": SUPPRESS_BELOW,
        "rounded_to": ROUND_TO,
    }


def period_seconds() -> int:
    """How often the maps are counted: the beat job's interval."""
    entry = settings.KITH_BEAT_SCHEDULE.get(BEAT_ENTRY)
    return int(entry["schedule"]) if entry else DEFAULT_PERIOD_SECONDS


def period_start(moment: dt.datetime) -> dt.datetime:
    """The start of the refresh period holding `moment`: periods are counted from the Unix
    epoch, so every worker agrees on them."""
    seconds = period_seconds()
    since = int(moment.timestamp()) - _EPOCH_OFFSET_SECONDS
    return dt.datetime.fromtimestamp(since // seconds * seconds + _EPOCH_OFFSET_SECONDS, tz=dt.UTC)


def fresh_for(stored: OpenDemandMap, *, now: dt.datetime) -> int:
    """Seconds until the next period's map is due (0 once it is due): how long a client or
    a shared cache may keep this one without asking again."""
    due = stored.period_start + dt.timedelta(seconds=period_seconds())
    return max(0, min(period_seconds(), int((due - now).total_seconds())))


def _document(council: Council) -> str:
    return json.dumps(open_demand(council=council), separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Refreshed:
    """A council's stored map after a refresh: whether this run counted it (False: it had
    already been counted in this period) and whether the document changed."""

    map: OpenDemandMap
    counted: bool
    changed: bool


def demand_map_refresh(*, council: Council, now: dt.datetime | None = None) -> Refreshed:
    """Count the council's map for the period holding `now` and store it, unless it has been
    counted in this period or a later one already. Safe to run on several workers at once:
    one counts while the others wait for it, then find it done."""
    now = now or timezone.now()
    period = period_start(now)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, council.pk])
        stored = OpenDemandMap.objects.filter(council=council).first()
        if stored is not None and stored.period_start >= period:
            return Refreshed(stored, counted=False, changed=False)
        document = _document(council)
        etag = hashlib.sha256(document.encode()).hexdigest()
        if stored is None:
            stored = OpenDemandMap.objects.create(
                council=council,
                period_start=period,
                counted_at=now,
                changed_at=now,
                etag=etag,
                document=document,
            )
            return Refreshed(stored, counted=True, changed=True)
        changed = etag != stored.etag
        stored.period_start, stored.counted_at = period, now
        fields = ["period_start", "counted_at"]
        if changed:
            stored.document, stored.etag, stored.changed_at = document, etag, now
            fields += ["document", "etag", "changed_at"]
        stored.save(update_fields=fields)
        return Refreshed(stored, counted=True, changed=changed)


def demand_map_stored(*, council: Council) -> OpenDemandMap:
    """The council's stored map, its document not read yet (a conditional request that is
    answered "not modified" never needs it). A council without one has it counted now."""
    stored = OpenDemandMap.objects.filter(council=council).defer("document").first()
    if stored is None:
        stored = demand_map_refresh(council=council).map
    return stored
