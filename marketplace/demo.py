"""Demo data owned by the marketplace: synthetic postcodes inside the demo council."""

from __future__ import annotations

import random

from django.contrib.gis.geos import Point

from accounts.models import Council

from .models import Postcode

DEMO_POSTCODE_COUNT = 300
_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def seed_postcodes(*, council: Council) -> int:
    """A few hundred postcodes spread over the council's boundary, in the YY area, which
    no real UK postcode uses.

    The first two are fixed (YY1 1AB, YY2 3DF) because the demo accounts live there.
    """
    rng = random.Random(20261122)  # noqa: S311 - demo data, not security
    boundary = council.boundary
    xmin, ymin, xmax, ymax = boundary.extent
    # Fixed homes for the demo citizen and helper, about 1.5 km apart near the centre.
    centre = boundary.centroid
    wanted = {
        "YY1 1AB": Point(centre.x - 0.010, centre.y + 0.004, srid=4326),
        "YY2 3DF": Point(centre.x + 0.012, centre.y - 0.003, srid=4326),
    }
    while len(wanted) < DEMO_POSTCODE_COUNT:
        district = rng.randint(1, 9)
        code = f"YY{district} {rng.randint(1, 9)}{rng.choice(_LETTERS)}{rng.choice(_LETTERS)}"
        point = Point(rng.uniform(xmin, xmax), rng.uniform(ymin, ymax), srid=4326)
        if code not in wanted and boundary.contains(point):
            wanted[code] = point
    existing = set(Postcode.objects.filter(postcode__in=wanted).values_list("postcode", flat=True))
    Postcode.objects.bulk_create(
        [
            Postcode(postcode=pc, location=pt, district_code=council.code)
            for pc, pt in wanted.items()
            if pc not in existing
        ]
    )
    return len(wanted)


def demo_postcodes() -> list[str]:
    return list(
        Postcode.objects.filter(postcode__startswith="YY")
        .order_by("postcode")
        .values_list("postcode", flat=True)
    )
