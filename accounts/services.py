"""Writes about people and councils."""

from __future__ import annotations

import codecs
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.gdal.feature import Feature
from django.contrib.gis.gdal.layer import Layer
from django.contrib.gis.geos import GeometryCollection, GEOSGeometry, MultiPolygon, Polygon
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import WebProfile
from accounts.permissions import Capability, staff_council
from accounts.selectors import council_for_point
from accounts.sessions import sessions_end
from accounts.tokens import tokens_revoke_all
from core.audit import audit_record
from core.contact_details import name_has_contact_details
from core.errors import ApplicationError, NotFound
from places.geo import NOT_AVAILABLE_MESSAGE, normalise_postcode, postcode_point

from .models import Council, StaffMembership, User

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

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
    if isinstance(geom, Polygon):
        return MultiPolygon(geom, srid=geom.srid)
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, GeometryCollection) and geom.geom_type == "GeometryCollection":
        parts: list[GEOSGeometry] = []
        for part in geom:
            if isinstance(part, MultiPolygon):
                parts.extend(part)
            elif isinstance(part, Polygon):
                parts.append(part)
        if parts:
            return MultiPolygon(*parts, srid=geom.srid)
    raise ApplicationError(
        _("A boundary must be a Polygon or MultiPolygon, not %(type)s.") % {"type": geom.geom_type}
    )


_CRS_NAME = re.compile(rb'"crs"\s*:\s*\{.*?"name"\s*:\s*"([^"]+)"', re.DOTALL)
_WGS84_NAMES = re.compile(r"CRS84|EPSG:+4326$", re.IGNORECASE)


def _declared_crs(head: bytes) -> str:
    """The name in the file's `crs` member, if it has one (GeoJSON 2008 files do)."""
    found = _CRS_NAME.search(head)
    return found.group(1).decode("utf-8", "replace") if found else ""


def _srid(srs) -> int | None:
    return srs.srid if srs is not None else None


def _require_utf8(path: Path) -> None:
    """GeoJSON is UTF-8 (RFC 7946): a file in another encoding (often Latin-1 from older
    tools) is refused with where it goes wrong, read in chunks so large files stay cheap."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise ApplicationError(
                    _(
                        "%(file)s is not UTF-8 text (byte %(byte)s is not); GeoJSON files must "
                        "be UTF-8. Save it as UTF-8 and try again."
                    )
                    % {"file": path.name, "byte": offset + exc.start + 1}
                ) from None
            offset += len(chunk)


def _require_on_earth(geom: GEOSGeometry, *, index: int, code: str) -> None:
    """Every corner of a boundary lies on Earth: finite, longitude within ±180 and latitude
    within ±90 degrees (after any transformation to WGS84)."""
    bad = next(
        (
            (x, y)
            for x, y in _points(geom.coords)  # type: ignore[attr-defined]  # on every polygon type
            if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90)
        ),
        None,
    )
    if bad is not None:
        raise ApplicationError(
            _(
                "Feature %(index)s (%(code)s) has a corner that is no place on Earth "
                "(longitude %(long)s, latitude %(lat)s)."
            )
            % {"index": index, "code": code, "long": f"{bad[0]:g}", "lat": f"{bad[1]:g}"}
        )


def _points(coords):
    """Every (x, y) in a geometry's nested coordinate tuples."""
    if coords and isinstance(coords[0], float | int):
        yield coords[0], coords[1]
        return
    for part in coords:
        yield from _points(part)


def _boundary_layer(path: Path, name_property: str, code_property: str) -> Layer:
    """The one layer of a GeoJSON FeatureCollection at `path`, with both properties present,
    or an `ApplicationError` saying plainly what is wrong with the file."""
    if not path.is_file():
        raise ApplicationError(_("No such file: %(path)s") % {"path": path})
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    if not _FEATURE_COLLECTION.search(head):
        raise ApplicationError(
            _("%(file)s is not a GeoJSON FeatureCollection (expected %(expected)s).")
            % {"file": path.name, "expected": '{"type": "FeatureCollection", "features": [...]}'}
        )
    _require_utf8(path)
    declared_crs = _declared_crs(head)
    try:
        source = DataSource(str(path))
    except GDALException as exc:
        raise ApplicationError(
            _("%(file)s could not be read as GeoJSON: %(error)s")
            % {"file": path.name, "error": exc}
        ) from exc
    if source.driver.name != "GeoJSON" or len(source) != 1:
        raise ApplicationError(
            _("%(file)s is not a GeoJSON FeatureCollection.") % {"file": path.name}
        )
    layer = source[0]
    if len(layer) == 0:
        raise ApplicationError(_("%(file)s has no features.") % {"file": path.name})
    # GDAL reads a coordinate system it cannot resolve as WGS84, silently: refuse instead.
    if declared_crs and not _WGS84_NAMES.search(declared_crs) and _srid(layer.srs) == 4326:
        raise ApplicationError(
            _(
                "%(file)s gives its coordinates in %(crs)s, a coordinate reference system Kith "
                "does not know. Give boundaries in WGS84 or British National Grid (EPSG:27700)."
            )
            % {"file": path.name, "crs": declared_crs}
        )
    fields = set(layer.fields)
    missing = [p for p in (name_property, code_property) if p not in fields]
    if missing:
        raise ApplicationError(
            _("Property %(missing)s not found in %(file)s. Properties present: %(present)s.")
            % {
                "missing": ", ".join(missing),
                "file": path.name,
                "present": ", ".join(sorted(fields)) or _("none"),
            }
        )
    return layer


def _feature_boundary(feature: Feature, *, index: int, code: str) -> MultiPolygon:
    """A feature's geometry as a two-dimensional WGS 84 multipolygon."""
    ogr = feature.geom
    if ogr.coord_dim == 3:
        ogr.set_3d(False)
    if ogr.geom_type.name not in ("Polygon", "MultiPolygon"):
        raise ApplicationError(
            _(
                "Feature %(index)s (%(code)s) is a %(type)s; boundaries must be Polygon or "
                "MultiPolygon."
            )
            % {"index": index, "code": code, "type": ogr.geom_type.name}
        )
    if ogr.srs is not None and ogr.srs.srid != 4326:
        ogr.transform(4326)
    geom = GEOSGeometry(memoryview(bytes(ogr.wkb)), srid=4326)
    _require_on_earth(geom, index=index, code=code)
    return _as_multipolygon(geom)


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
    layer = _boundary_layer(path, name_property, code_property)
    created = updated = 0
    seen: set[str] = set()
    with transaction.atomic():
        for index, feature in enumerate(layer, start=1):
            code = str(feature.get(code_property) or "").strip()
            name = str(feature.get(name_property) or "").strip()
            if not code or not name:
                raise ApplicationError(
                    _("Feature %(index)s has no %(code_property)s or %(name_property)s.")
                    % {
                        "index": index,
                        "code_property": code_property,
                        "name_property": name_property,
                    }
                )
            if code in seen:
                raise ApplicationError(
                    _("Feature %(index)s: code %(code)s appears twice in the file.")
                    % {"index": index, "code": code}
                )
            seen.add(code)
            boundary = _feature_boundary(feature, index=index, code=code)
            _council, was_created = Council.objects.update_or_create(
                code=code,
                defaults={"name": name, "slug": _unique_slug(name, code), "boundary": boundary},
            )
            created += was_created
            updated += not was_created
    return CouncilImportResult(created=created, updated=updated)


def user_sessions_end(*, actor: User, person_id: int) -> int:
    """Council staff (or a superuser) sign a person of their own council out everywhere: every
    web session ends and every API token (personal or an application's) is revoked. Returns how
    many sessions were ended.

    For a suspected account takeover or a safeguarding concern. Audited in the same
    transaction. A person of another council is "not found", like everywhere else.
    """
    person = User.objects.filter(pk=person_id).first()
    if person is None:
        raise NotFound(_("We could not find that person."))
    if not actor.is_superuser:
        membership = StaffMembership.objects.filter(user_id=actor.pk).first()
        if membership is None or membership.council_id != person.council_id:
            raise NotFound(_("We could not find that person."))
    with transaction.atomic():
        ended = sessions_end(user_id=person.pk)
        tokens = tokens_revoke_all(person_id=person.pk, reason="signed_out")
        audit_record(
            actor=actor,
            verb="person.sessions_ended",
            target=person,
            council=person.council,
            data={"sessions": ended, "api_tokens": tokens},
        )
    return ended


# --- Council settings ------------------------------------------------------------------------
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,30}$")


@transaction.atomic
def council_settings_update(
    *,
    actor: User,
    max_travel_radius_m: int,
    auto_approve_verified_helpers: bool,
    contact_email: str | None = None,
    contact_phone: str | None = None,
) -> Council:
    """A council admin changes how Kith runs in their area, and (unless None) the email
    address and phone number the start page gives as other ways to ask for help. Audited with
    before and after."""
    council = staff_council(actor, Capability.COUNCIL_SETTINGS)
    council = Council.objects.select_for_update().get(pk=council.pk)
    if not 100 <= int(max_travel_radius_m) <= 50000:
        raise ApplicationError(
            _("The furthest distance must be between 100 and 50,000 metres."), code="radius_range"
        )
    phone = " ".join((contact_phone or "").split())
    if phone and not _PHONE.match(phone):
        raise ApplicationError(
            _("Enter a phone number using digits, spaces and +, like 01632 960 001."),
            code="contact_phone",
        )

    def public(c: Council) -> dict:
        return {
            "max_travel_radius_m": c.max_travel_radius_m,
            "auto_approve_verified_helpers": c.auto_approve_verified_helpers,
            "contact_email": c.contact_email,
            "contact_phone": (c.settings or {}).get("contact_phone", ""),
        }

    before = public(council)
    council.max_travel_radius_m = int(max_travel_radius_m)
    council.auto_approve_verified_helpers = bool(auto_approve_verified_helpers)
    if contact_email is not None:
        council.contact_email = contact_email.strip()
    if contact_phone is not None:
        council.settings = {**(council.settings or {}), "contact_phone": phone}
    council.save(
        update_fields=[
            "max_travel_radius_m",
            "auto_approve_verified_helpers",
            "contact_email",
            "settings",
        ]
    )
    after = public(council)
    audit_record(
        actor=actor,
        verb="council.settings_changed",
        council=council,
        target_type="council",
        target_id=council.pk,
        data={"before": before, "after": after},
    )
    return council


@dataclass(frozen=True)
class CouncilSetting:
    """One value a council may set in `Council.settings[section][key]`: a whole number from
    `low` to `high`, or one of `choices`. The room that reads the setting declares it (with its
    own bounds and default); accounts, below those rooms, only holds every write to it."""

    #: The value's name in the call (and the form's field).
    name: str
    section: str
    key: str
    #: Kith's value when the council has set none, as stored.
    default: int | float | str
    #: The sentence that refuses a value outside the declaration (may say %(low)s, %(high)s).
    refusal: StrOrPromise
    low: int = 0
    high: int = 0
    choices: tuple[str, ...] = ()
    #: Stored divided by this: 100 keeps a percentage as a fraction.
    per: int = 1

    def allows(self, value: object) -> bool:
        if self.choices:
            return value in self.choices
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and (self.low <= value <= self.high)
        )

    def refuse(self) -> ApplicationError:
        return ApplicationError(
            str(self.refusal) % {"low": self.low, "high": self.high}, code=self.name
        )

    def to_store(self, value: int | str) -> int | float | str:
        return round(value / self.per, 4) if self.per != 1 and isinstance(value, int) else value


def council_declared_settings(council: Council, declared: Sequence[CouncilSetting]) -> dict:
    """The council's values of `declared`, as stored (Kith's default where it has none), by
    section and key."""
    values: dict[str, dict] = {}
    for setting in declared:
        section = (council.settings or {}).get(setting.section) or {}
        values.setdefault(setting.section, {})[setting.key] = section.get(
            setting.key, setting.default
        )
    return values


@transaction.atomic
def council_declared_settings_update(
    *,
    actor: User,
    verb: str,
    declared: Sequence[CouncilSetting],
    values: Mapping[str, int | str],
) -> Council:
    """A council admin sets `values` (by name) of the `declared` settings of their own council,
    every one of them, each held to its declaration; the other keys of each section stay as
    they were. Audited as `verb` with the values before and after."""
    council = staff_council(actor, Capability.COUNCIL_SETTINGS)
    council = Council.objects.select_for_update().get(pk=council.pk)
    if set(values) != {setting.name for setting in declared}:
        raise TypeError(f"values must name exactly the declared settings, not {sorted(values)}")
    for setting in declared:
        if not setting.allows(values[setting.name]):
            raise setting.refuse()
    before = council_declared_settings(council, declared)
    settings_ = dict(council.settings or {})
    for setting in declared:
        section = dict(settings_.get(setting.section) or {})
        section[setting.key] = setting.to_store(values[setting.name])
        settings_[setting.section] = section
    council.settings = settings_
    council.save(update_fields=["settings"])
    audit_record(
        actor=actor,
        verb=verb,
        council=council,
        target_type="council",
        target_id=council.pk,
        data={"before": before, "after": council_declared_settings(council, declared)},
    )
    return council


@transaction.atomic
def person_set_home(*, user: User, postcode: str) -> User:
    """Set the person's home from a postcode, and their council from the point.

    A malformed or unknown postcode, or a point outside every council on Kith, is refused with
    a clear message and nothing is saved.
    """
    point = postcode_point(postcode=postcode)
    council = council_for_point(point=point)
    if council is None:
        raise ApplicationError(_(NOT_AVAILABLE_MESSAGE), code="out_of_area")
    # Write the locked row, not the copy the request loaded: erasure takes the same lock, so
    # an edit queued behind it is refused instead of putting a home back on an erased row.
    locked = person_lock_for_writing(person_id=user.pk)
    changes = {
        "home_postcode": normalise_postcode(postcode),
        "home_location": point,
        "council": council,
    }
    return _save_locked(locked=locked, caller_copy=user, changes=changes)


@transaction.atomic
def person_update_profile(
    *,
    user: User,
    display_name: str,
    preferred_languages: list[str],
    gender: str,
    phone: str = "",
) -> User:
    display_name = display_name.strip()
    if not display_name:
        raise ApplicationError(_("Enter the name other people will see."), code="name_missing")
    if name_has_contact_details(display_name):
        raise ApplicationError(
            _(
                "Your name is shown to other people: leave out phone numbers and email "
                "addresses. People get in touch through Kith messages once a match is agreed."
            ),
            code="name_contact_details",
        )
    locked = person_lock_for_writing(person_id=user.pk)  # as in person_set_home
    changes = {
        "display_name": display_name,
        "preferred_languages": [lang.strip() for lang in preferred_languages if lang.strip()],
        "gender": gender,
        "phone": phone.strip(),
    }
    return _save_locked(locked=locked, caller_copy=user, changes=changes)


def _save_locked(*, locked: User, caller_copy: User, changes: dict) -> User:
    """Save `changes` on the row-locked person and mirror them on the caller's copy (often
    `request.user`, which the rest of the request goes on reading)."""
    for name, value in changes.items():
        setattr(locked, name, value)
        setattr(caller_copy, name, value)
    locked.save(update_fields=list(changes))
    return locked


@transaction.atomic
def web_profile_set_role(*, user: User, role: str, onboarded: bool = False) -> WebProfile:
    if role not in WebProfile.Role.values:
        raise ApplicationError(_("Choose whether you need help, can help, or both."))
    profile, _created = WebProfile.objects.select_for_update().get_or_create(user=user)
    profile.role = role
    fields = ["role", "updated_at"]
    if onboarded and profile.onboarded_at is None:
        profile.onboarded_at = timezone.now()
        fields.append("onboarded_at")
    profile.save(update_fields=fields)
    return profile


ERASED_DOMAIN = "erased.invalid"


def erased_email(user_id: int) -> str:
    """A unique address that can never receive mail (`.invalid` is reserved, RFC 2606)."""
    return f"erased-{user_id}@{ERASED_DOMAIN}"


def is_erased(user: User) -> bool:
    return user.email == erased_email(user.pk)


ACCOUNT_CLOSED_MESSAGE = gettext_lazy(
    "This account has been closed, so nothing more can be added to it."
)


def person_lock_for_writing(*, person_id: int) -> User:
    """Row-lock the person whose listing or message is about to be saved, inside the caller's
    transaction, and refuse if their account is erased or no longer active.

    `person_erase` takes the same lock before anything else, so a write from another device
    either commits first (and erasure, waiting on the lock, then closes and redacts it) or
    waits for erasure to finish and is refused here: never a live listing or message from an
    erased person. Callers take this lock before any other row lock (erasure's order too).
    """
    locked = User.objects.select_for_update().filter(pk=person_id).first()
    if locked is None or not locked.is_active or is_erased(locked):
        raise ApplicationError(ACCOUNT_CLOSED_MESSAGE, code="account_closed")
    return locked
