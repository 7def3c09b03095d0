"""Places: postcode normalisation and lookup, and the approximations that keep homes private.

A home point is personal data. Other people only ever see `approximate_point` (the centre of
a grid cell of at least `KITH_LOCATION_GRID_M` metres, so the same home always shows in the
same place) and a `distance_band` computed from their own stored home.
"""

from __future__ import annotations

import math
import re
from typing import overload

from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.errors import ApplicationError
from core.i18n import gettext as said
from places.models import Postcode

# GOV.UK-style UK postcode pattern (outward code, then inward code), after normalisation.
POSTCODE_RE = re.compile(
    r"^(GIR 0AA|"
    r"[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKS-UW]|[A-HK-Y][0-9][ABEHMNPRVWXY])"
    r" [0-9][ABD-HJLNP-UW-Z]{2})$"
)

# Marked here, translated where it is shown (`gettext(NOT_AVAILABLE_MESSAGE)`): it stays plain text.
NOT_AVAILABLE_MESSAGE = gettext_noop("Kith is not available in your area yet.")


def normalise_postcode(raw: str) -> str:
    """Upper case, remove every space, then one space before the last three characters."""
    compact = re.sub(r"\s+", "", raw or "").upper()
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def postcode_sector(raw: str) -> str:
    """The postcode's sector ("SW1A 1AA" → "SW1A 1"): a few thousand homes, where the full
    postcode narrows a home to a handful. Blank for a blank or malformed postcode."""
    normalised = normalise_postcode(raw)
    if not POSTCODE_RE.match(normalised):
        return ""
    return normalised[:-2]


def is_valid_postcode(raw: str) -> bool:
    return bool(POSTCODE_RE.match(normalise_postcode(raw)))


def postcode_point(*, postcode: str) -> Point:
    """The centroid of a live postcode, or a clear error for a malformed or unknown one."""
    normalised = normalise_postcode(postcode)
    if not normalised:
        raise ApplicationError(_("Enter a postcode."), code="postcode_missing")
    if not POSTCODE_RE.match(normalised):
        raise ApplicationError(_("Enter a real postcode."), code="postcode_invalid")
    row = Postcode.objects.filter(postcode=normalised, terminated=False).first()
    if row is None:
        raise ApplicationError(
            _("We could not find the postcode %(postcode)s. Check it and try again.")
            % {"postcode": normalised},
            code="postcode_unknown",
        )
    return Point(row.location.x, row.location.y, srid=4326)


# --- Approximate locations ------------------------------------------------------------------
_EARTH_M_PER_DEG_LAT = 111_320.0


@overload
def approximate_point(point: Point, *, grid_m: int | None = None) -> Point: ...
@overload
def approximate_point(point: None, *, grid_m: int | None = None) -> None: ...
@overload
def approximate_point(point: Point | None, *, grid_m: int | None = None) -> Point | None: ...


def approximate_point(point: Point | None, *, grid_m: int | None = None) -> Point | None:
    """The centre of the grid cell holding `point`.

    The grid is in degrees of latitude and, for longitude, in degrees scaled at the cell's
    own latitude band, so cells are about `grid_m` metres square anywhere in the UK and the
    same point always lands in the same cell (no random jitter to average away).
    """
    if point is None:
        return None
    grid = max(int(grid_m or settings.KITH_LOCATION_GRID_M), 500)
    dlat = grid / _EARTH_M_PER_DEG_LAT
    row = math.floor(point.y / dlat)
    lat = (row + 0.5) * dlat
    dlon = grid / (_EARTH_M_PER_DEG_LAT * math.cos(math.radians(lat)))
    col = math.floor(point.x / dlon)
    lon = (col + 0.5) * dlon
    return Point(round(lon, 5), round(lat, 5), srid=4326)


# --- Distance -------------------------------------------------------------------------------
# The mean Earth radius PostGIS uses for geography on the sphere (`use_spheroid => false`).
EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle metres between two WGS84 points on the sphere: Kith's one distance.

    Matching measures every pair with it (cell centre to cell centre): the radius rule in
    Python and, as `ST_DWithin(..., false)`, in SQL; proximity; and distance bands. The
    rounds apply this same formula to numpy arrays (`haversine_m_array`)."""
    return float(haversine_m_array(lon1, lat1, lon2, lat2))


def haversine_m_array(lon1, lat1, lon2, lat2):
    """`haversine_m` for scalars or numpy arrays alike (one formula, element by element).

    numpy is imported here, not at module level, so a scalar call from a web request does
    not pay for it; the formula and the constant are the same for both."""
    import numpy as np  # noqa: PLC0415 - kept out of scalar callers' import cost

    lon1, lat1, lon2, lat2 = (
        np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2)
    )
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(1.0, h)))


def metres_between(a: Point | None, b: Point | None) -> float | None:
    """`haversine_m` between two WGS84 points, or None if either is missing."""
    if a is None or b is None:
        return None
    return haversine_m(a.x, a.y, b.x, b.y)


# Bands are wide enough that knowing which band someone is in, from one's own home, never
# locates them more closely than the published grid cell does.
# A band's English is its key (kept in stored alerts and compared in code); people read it
# through `band_said`, in the language of the page or of the API request.
DISTANCE_BANDS: list[tuple[int, str]] = [
    (1000, gettext_noop("less than 1 km away")),
    (2000, gettext_noop("about 1 to 2 km away")),
    (5000, gettext_noop("about 2 to 5 km away")),
    (10000, gettext_noop("about 5 to 10 km away")),
    (20000, gettext_noop("about 10 to 20 km away")),
]
FURTHEST_BAND = gettext_noop("more than 20 km away")
BANDS = frozenset([*(label for _limit, label in DISTANCE_BANDS), FURTHEST_BAND])


def distance_band(metres: float | None) -> str | None:
    """The band's key (English); `band_said` says it to a person."""
    if metres is None:
        return None
    for limit, label in DISTANCE_BANDS:
        if metres < limit:
            return label
    return FURTHEST_BAND


def band_said(band: str) -> str:
    """A band's key in the active language; anything else is returned as it is."""
    return said(band) if band in BANDS else band


def distance_said(metres: float | None) -> str | None:
    """The band of `metres` in the active language (None when the distance is unknown)."""
    band = distance_band(metres)
    return band_said(band) if band is not None else None
