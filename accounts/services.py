"""Writes about people and councils."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction
from django.utils.text import slugify

from .errors import ApplicationError
from .models import Council, StaffMembership, User

_FEATURE_COLLECTION = re.compile(rb'"type"\s*:\s*"FeatureCollection"')


@dataclass(frozen=True)
class CouncilImportResult:
    created: int
    updated: int


def _unique_slug(name: str, code: str) -> str:
    base = slugify(name)[:100] or slugify(code)
    slug, n = base, 2
    while Council.objects.filter(slug=slug).exclude(code=code).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _as_multipolygon(geom: GEOSGeometry) -> MultiPolygon:
    if not geom.valid:
        geom = geom.make_valid()
    if geom.geom_type == "Polygon":
        return MultiPolygon(geom, srid=geom.srid)
    if geom.geom_type == "MultiPolygon":
        return geom
    if geom.geom_type == "GeometryCollection":
        polys = [g for g in geom if g.geom_type in ("Polygon", "MultiPolygon")]
        parts = []
        for p in polys:
            parts.extend(p if p.geom_type == "MultiPolygon" else [p])
        if parts:
            return MultiPolygon(*parts, srid=geom.srid)
    raise ApplicationError(f"A boundary must be a Polygon or MultiPolygon, not {geom.geom_type}.")


def councils_import_geojson(
    *, path: Path, name_property: str, code_property: str
) -> CouncilImportResult:
    """Load council boundaries from a GeoJSON FeatureCollection (e.g. ONS LAD boundaries).

    Features are read one at a time by GDAL, so full-resolution files are not held in memory
    as Python objects. A `crs` member naming another system (such as EPSG:27700) is honoured.
    All features are imported in one transaction: a bad feature leaves nothing behind.
    Councils already present (same code) get their name and boundary updated.
    """
    path = Path(path)
    if not path.is_file():
        raise ApplicationError(f"No such file: {path}")
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    if not _FEATURE_COLLECTION.search(head):
        raise ApplicationError(
            f"{path.name} is not a GeoJSON FeatureCollection "
            '(expected {"type": "FeatureCollection", "features": [...]}).'
        )
    try:
        source = DataSource(str(path))
    except GDALException as exc:
        raise ApplicationError(f"{path.name} could not be read as GeoJSON: {exc}") from exc
    if source.driver.name != "GeoJSON" or len(source) != 1:
        raise ApplicationError(f"{path.name} is not a GeoJSON FeatureCollection.")
    layer = source[0]
    if len(layer) == 0:
        raise ApplicationError(f"{path.name} has no features.")
    fields = set(layer.fields)
    missing = [p for p in (name_property, code_property) if p not in fields]
    if missing:
        raise ApplicationError(
            f"Property {', '.join(missing)} not found in {path.name}. "
            f"Properties present: {', '.join(sorted(fields)) or 'none'}."
        )
    created = updated = 0
    seen: set[str] = set()
    with transaction.atomic():
        for index, feature in enumerate(layer, start=1):
            code = str(feature.get(code_property) or "").strip()
            name = str(feature.get(name_property) or "").strip()
            if not code or not name:
                raise ApplicationError(
                    f"Feature {index} has no {code_property} or {name_property}."
                )
            if code in seen:
                raise ApplicationError(f"Feature {index}: code {code} appears twice in the file.")
            seen.add(code)
            ogr = feature.geom
            if ogr.coord_dim == 3:
                ogr.coord_dim = 2
            if ogr.geom_type.name not in ("Polygon", "MultiPolygon"):
                raise ApplicationError(
                    f"Feature {index} ({code}) is a {ogr.geom_type.name}; "
                    "boundaries must be Polygon or MultiPolygon."
                )
            if ogr.srs is not None and ogr.srs.srid != 4326:
                ogr.transform(4326)
            geom = GEOSGeometry(memoryview(bytes(ogr.wkb)), srid=4326)
            boundary = _as_multipolygon(geom)
            _, was_created = Council.objects.update_or_create(
                code=code,
                defaults={"name": name, "slug": _unique_slug(name, code), "boundary": boundary},
            )
            created += was_created
            updated += not was_created
    return CouncilImportResult(created=created, updated=updated)


def user_sessions_end(*, actor: User, person_id: int) -> int:
    """Council staff (or a superuser) sign a person of their own council out everywhere: every
    web session ends and every API token is deleted. Returns how many sessions were ended.

    For a suspected account takeover or a safeguarding concern. Audited in the same
    transaction. A person of another council is "not found", like everywhere else.
    """
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from marketplace.audit import audit_record

    from .errors import NotFound

    person = User.objects.filter(pk=person_id).first()
    if person is None:
        raise NotFound("We could not find that person.")
    if not actor.is_superuser:
        membership = StaffMembership.objects.filter(user_id=actor.pk).first()
        if membership is None or membership.council_id != person.council_id:
            raise NotFound("We could not find that person.")
    with transaction.atomic():
        wanted = str(person.pk)
        ended = []
        # Sessions are signed blobs, so the owner is only known after decoding each one; this
        # is a rare staff action and reads only unexpired sessions.
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
            if session.get_decoded().get("_auth_user_id") == wanted:
                ended.append(session.session_key)
        Session.objects.filter(session_key__in=ended).delete()
        tokens, _ = Token.objects.filter(user=person).delete()
        audit_record(
            actor=actor,
            verb="person.sessions_ended",
            target=person,
            council=person.council,
            data={"sessions": len(ended), "api_tokens": tokens},
        )
    return len(ended)
