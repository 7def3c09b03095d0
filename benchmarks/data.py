"""Synthetic national data with town-level density, loaded with COPY.

Sixty towns across England with Zipf-like sizes (the largest ~60 times the smallest); people
and listings are spread around each town centre (Gaussian, wider for bigger towns). Each town
is a council. Offers carry the real distributions Kith sees: ten categories, travel radii of
1–8 km, capacity 1–3, weekly times for some, languages for a few, vetting for most helpers.
Everything is deterministic (seeded), so runs are comparable.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
from dataclasses import dataclass

from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import connection
from django.utils import timezone

from accounts.models import Council
from marketplace.models import Category
from trust.models import HelperCheck

GRID_M = 500  # settings.KITH_LOCATION_GRID_M default; see approx() below
_M_PER_DEG = 111_320.0
TOWNS = 60
RADII = (1000, 2000, 3000, 5000, 8000)
LANGS = ("Polish", "Urdu", "Punjabi", "Welsh", "Romanian")
DIETS = ("vegetarian", "halal", "gluten_free", "diabetic_friendly", "soft_food")


def approx(lon: float, lat: float, grid_m: int = GRID_M) -> tuple[float, float]:
    """The same grid as places.geo.approximate_point, on floats (1M calls)."""
    dlat = grid_m / _M_PER_DEG
    row = math.floor(lat / dlat)
    alat = (row + 0.5) * dlat
    dlon = grid_m / (_M_PER_DEG * math.cos(math.radians(alat)))
    col = math.floor(lon / dlon)
    return round((col + 0.5) * dlon, 5), round(alat, 5)


@dataclass
class Town:
    index: int
    lon: float
    lat: float
    weight: float
    sigma_m: float
    council_id: int = 0

    def point(self, rng: random.Random, sigma_scale: float = 1.0) -> tuple[float, float]:
        dx = rng.gauss(0, self.sigma_m * sigma_scale)
        dy = rng.gauss(0, self.sigma_m * sigma_scale)
        lat = self.lat + dy / _M_PER_DEG
        lon = self.lon + dx / (_M_PER_DEG * math.cos(math.radians(self.lat)))
        return lon, lat


def square(lon: float, lat: float, half: float) -> MultiPolygon:
    return MultiPolygon(
        Polygon.from_bbox((lon - half, lat - half, lon + half, lat + half)), srid=4326
    )


def make_towns(count: int = TOWNS) -> list[Town]:
    """`count` towns, each its own council; the first towns are the same whatever `count`."""
    rng = random.Random(1066)
    towns = []
    for i in range(count):
        weight = 1.0 / (i + 1) ** 1.0
        towns.append(
            Town(
                index=i,
                lon=rng.uniform(-3.0, 0.3),
                lat=rng.uniform(50.8, 54.5),
                weight=weight,
                sigma_m=2000 + 6000 * math.sqrt(weight),
            )
        )
    for town in towns:
        council, _ = Council.objects.update_or_create(
            code=f"B{town.index:08d}",
            defaults={
                "name": f"Bench Town {town.index}",
                "slug": f"bench-town-{town.index}",
                "boundary": square(town.lon, town.lat, 0.4),
                "max_travel_radius_m": 8000,
            },
        )
        town.council_id = council.pk
    return towns


def reset() -> None:
    """Empty the tables the benchmark fills (the bench database, or a test's transaction)."""
    with connection.cursor() as cursor:
        # Inside a transaction that has loaded rows, their deferred foreign-key checks are
        # still pending, and PostgreSQL refuses to TRUNCATE a table with pending checks.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "TRUNCATE matching_roundproposal, matching_round, matching_alertsent, "
            "marketplace_block, matching_feedback, matching_message, matching_match, "
            "marketplace_needslot, marketplace_offerslot, marketplace_need, marketplace_offer, "
            "accounts_helpercheck, accounts_user RESTART IDENTITY CASCADE"
        )


def _next_ids(table: str, n: int) -> int:
    """Reserve `n` ids from the table's identity sequence; returns the first."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        seq = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [seq])
        first = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [seq, first + n])
    return first


def _copy(table: str, columns: list[str], rows) -> None:
    buf = io.StringIO()
    for row in rows:
        buf.write("\t".join("\\N" if v is None else str(v) for v in row))
        buf.write("\n")
    buf.seek(0)
    connection.ensure_connection()
    raw = connection.connection
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cur, cur.copy(statement) as copy:
        while chunk := buf.read(1 << 20):
            copy.write(chunk)


def _ewkt(lon: float, lat: float) -> str:
    return f"SRID=4326;POINT({lon:.6f} {lat:.6f})"


def _arr(values) -> str:
    return "{" + ",".join(values) + "}"


def load_people(*, count: int, prefix: str, council_ids: list[int], seed: int) -> list[int]:
    rng = random.Random(seed)
    first = _next_ids("accounts_user", count)
    now = timezone.now().isoformat()
    ids = list(range(first, first + count))
    rows = (
        (
            uid,
            "!",
            "f",
            f"{prefix}{uid}@bench.example",
            f"{prefix.title()} {uid}",
            "",
            _arr([rng.choice(LANGS)]) if rng.random() < 0.1 else "{}",
            rng.choice(("woman", "man", "woman", "man", "")),
            "",
            "f",
            "t",
            now,
            council_ids[i % len(council_ids)],
        )
        for i, uid in enumerate(ids)
    )
    _copy(
        "accounts_user",
        [
            "id",
            "password",
            "is_superuser",
            "email",
            "display_name",
            "phone",
            "preferred_languages",
            "gender",
            "home_postcode",
            "is_staff",
            "is_active",
            "date_joined",
            "council_id",
        ],
        rows,
    )
    # Vetting: 75% enhanced DBS, 15% ID only, 10% none (so some candidates are refused).
    today = timezone.localdate()
    check_rows = []
    for i, uid in enumerate(ids):
        r = rng.random()
        if r < 0.9:
            kind = HelperCheck.Kind.DBS_ENHANCED_BARRED if r < 0.75 else HelperCheck.Kind.ID
            check_rows.append(
                (
                    uid,
                    council_ids[i % len(council_ids)],
                    kind,
                    (today - dt.timedelta(days=100)).isoformat(),
                    (today + dt.timedelta(days=700)).isoformat(),
                    "",
                    now,
                    "",
                    "",
                    "",
                    "",
                )
            )
    _copy(
        "accounts_helpercheck",
        [
            "user_id",
            "council_id",
            "kind",
            "issued_on",
            "expires_on",
            "certificate_last4",
            "recorded_at",
            "revoked_reason",
            "referee_name",
            "certificate_number_encrypted",
            "status_check_result",
        ],
        check_rows,
    )
    return ids


def load_offers(
    *,
    count: int,
    towns: list[Town],
    helper_ids: list[int],
    seed: int,
    sigma_scale: float = 1.0,
    radii=RADII,
) -> list[int]:
    rng = random.Random(seed)
    categories = list(Category.objects.values_list("id", "is_meal"))
    weights = [t.weight for t in towns]
    first = _next_ids("marketplace_offer", count)
    now = timezone.now().isoformat()
    rows, slots = [], []
    for k in range(count):
        oid = first + k
        town = rng.choices(towns, weights)[0] if len(towns) > 1 else towns[0]
        lon, lat = town.point(rng, sigma_scale)
        alon, alat = approx(lon, lat)
        cat_id, is_meal = categories[k % len(categories)]
        rows.append(
            (
                oid,
                town.council_id,
                cat_id,
                "I can help.",
                "",
                _ewkt(lon, lat),
                _ewkt(alon, alat),
                _arr([rng.choice(LANGS)]) if rng.random() < 0.1 else "{}",
                "",
                1,
                now,
                now,
                now,
                helper_ids[k % len(helper_ids)],
                f"Offer {oid}",
                "open",
                rng.choice(radii),
                rng.choice((1, 1, 2, 3)),
                _arr(rng.sample(DIETS, 3)) if is_meal else "{}",
            )
        )
        if rng.random() < 0.4:
            for day in rng.sample(range(7), rng.randint(1, 3)):
                start = rng.randint(8, 19)
                slots.append(
                    (oid, day, f"{start:02d}:00", f"{min(start + rng.randint(1, 3), 23):02d}:00")
                )
    _copy(
        "marketplace_offer",
        [
            "id",
            "council_id",
            "category_id",
            "description",
            "postcode",
            "location",
            "approx_location",
            "languages",
            "rejection_reason",
            "version",
            "created_at",
            "updated_at",
            "published_at",
            "helper_id",
            "title",
            "status",
            "radius_m",
            "capacity",
            "dietary_capabilities",
        ],
        rows,
    )
    _copy("marketplace_offerslot", ["offer_id", "weekday", "start", '"end"'], slots)
    return [r[0] for r in rows]


def load_needs(
    *,
    count: int,
    towns: list[Town],
    owner_ids: list[int],
    seed: int,
    sigma_scale: float = 1.0,
) -> list[int]:
    rng = random.Random(seed)
    categories = list(Category.objects.values_list("id", "is_meal"))
    weights = [t.weight for t in towns]
    first = _next_ids("marketplace_need", count)
    rows, slots = [], []
    base = timezone.now()
    for k in range(count):
        nid = first + k
        town = rng.choices(towns, weights)[0] if len(towns) > 1 else towns[0]
        lon, lat = town.point(rng, sigma_scale)
        alon, alat = approx(lon, lat)
        cat_id, is_meal = categories[rng.randrange(len(categories))]
        published = (base - dt.timedelta(days=rng.uniform(0, 20))).isoformat()
        rows.append(
            (
                nid,
                town.council_id,
                cat_id,
                "I would like some help.",
                "",
                _ewkt(lon, lat),
                _ewkt(alon, alat),
                "{}",
                "",
                1,
                published,
                published,
                published,
                owner_ids[k % len(owner_ids)],
                f"Need {nid}",
                "open",
                "",
                "weekly",
                "routine",
                rng.choice(("", "", "", "", "woman")),
                _arr(rng.sample(DIETS, 1)) if is_meal and rng.random() < 0.5 else "{}",
                1 if rng.random() < 0.9 else 2,
                "",
            )
        )
        if rng.random() < 0.3:
            day = rng.randrange(7)
            start = rng.randint(9, 18)
            slots.append((nid, day, f"{start:02d}:00", f"{start + 2:02d}:00"))
    _copy("marketplace_need", NEED_COLUMNS, rows)
    _copy("marketplace_needslot", ["need_id", "weekday", "start", '"end"'], slots)
    return [r[0] for r in rows]


NEED_COLUMNS = [
    "id",
    "council_id",
    "category_id",
    "description",
    "postcode",
    "location",
    "approx_location",
    "languages",
    "rejection_reason",
    "version",
    "created_at",
    "updated_at",
    "published_at",
    "owner_id",
    "title",
    "status",
    "closed_reason",
    "timing",
    "urgency",
    "helper_gender_preference",
    "dietary_requirements",
    "helpers_wanted",
    "consent_note",
]


def analyze() -> None:
    """Fresh planner statistics for the loaded tables. VACUUM (which also sets the visibility
    map, so index-only scans stay index-only) cannot run inside a transaction, as in a test;
    there the statistics alone are refreshed."""
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for table in (
            "accounts_user",
            "accounts_helpercheck",
            "marketplace_offer",
            "marketplace_need",
            "marketplace_offerslot",
            "marketplace_needslot",
            "matching_match",
            "matching_feedback",
            "marketplace_block",
        ):
            cursor.execute(f"{command} {table}")
