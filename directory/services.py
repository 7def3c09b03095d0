"""Writes of the directory room: where a council's directory comes from (a council admin sets
its address or uploads a file), and storing what was read — all at once or not at all.

A failed read keeps the services last read: "other help nearby" goes on showing them, and the
council admin sees why the read failed."""

from __future__ import annotations

import json
import logging

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Council, User
from accounts.permissions import Capability, staff_council
from core.audit import audit_record
from core.errors import ApplicationError

from . import oruk
from .models import DirectorySource, OtherService

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = oruk.MAX_BYTES


def _source(council: Council) -> DirectorySource:
    source, _created = DirectorySource.objects.select_for_update().get_or_create(council=council)
    return source


@transaction.atomic
def directory_address_set(*, actor: User, url: str) -> DirectorySource:
    """A council admin sets (or, blank, removes) the address of their council's ORUK API; the
    nightly job reads it. Services already read stay until the next read."""
    council = staff_council(actor, Capability.COUNCIL_SETTINGS)
    url = url.strip()
    if url:
        url = oruk.check_address(url)
    source = _source(council)
    before = source.url
    source.url = url
    source.save(update_fields=["url", "updated_at"])
    audit_record(
        actor=actor,
        verb="directory.address_set",
        target=source,
        council=council,
        data={"before": before, "after": url},
    )
    return source


def _store(*, council: Council, reading: oruk.Reading, actor: User | None, how: str) -> int:
    # The source's row lock first: a nightly read and an upload in another tab take turns.
    source = _source(council)
    now = timezone.now()
    kept = {s.source_id: s for s in reading.services}
    OtherService.objects.filter(council=council).exclude(source_id__in=list(kept)).delete()
    existing = {
        s.source_id: s for s in OtherService.objects.filter(council=council, source_id__in=kept)
    }
    fresh: list[OtherService] = []
    changed: list[OtherService] = []
    for record in kept.values():
        row = existing.get(record.source_id) or OtherService(
            council=council, source_id=record.source_id
        )
        row.name, row.organisation = record.name, record.organisation
        row.description, row.url = record.description, record.url
        row.email, row.phone, row.place = record.email, record.phone, record.place
        row.point = (
            Point(record.longitude, record.latitude, srid=4326)
            if record.latitude is not None and record.longitude is not None
            else None
        )
        row.terms, row.read_at = list(record.terms), now
        (changed if row.pk else fresh).append(row)
    OtherService.objects.bulk_create(fresh)
    fields = ["name", "organisation", "description", "url", "email", "phone", "place"]
    OtherService.objects.bulk_update(changed, [*fields, "point", "terms", "read_at"])
    source.state, source.problem = DirectorySource.State.READ, ""
    source.read_at, source.services_read = now, len(kept)
    source.save(update_fields=["state", "problem", "read_at", "services_read", "updated_at"])
    audit_record(
        actor=actor,
        verb="directory.read",
        target=source,
        council=council,
        data={"how": how, "services": len(kept), "left_out": reading.left_out},
    )
    return len(kept)


@transaction.atomic
def directory_upload(*, actor: User, content: bytes) -> int:
    """A council admin uploads their directory as an ORUK JSON file: its active services
    replace the ones read before, and the nightly job stops reading an address."""
    council = staff_council(actor, Capability.COUNCIL_SETTINGS)
    if len(content) > MAX_UPLOAD_BYTES:
        raise ApplicationError(_("The file must be smaller than 5 MB."), code="directory_too_big")
    try:
        payload = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApplicationError(
            _("The file must be an Open Referral UK directory in JSON."), code="directory_not_json"
        ) from exc
    reading = oruk.read_document(payload)
    source = _source(council)
    if source.url:
        source.url = ""
        source.save(update_fields=["url", "updated_at"])
    return _store(council=council, reading=reading, actor=actor, how="file")


@transaction.atomic
def directory_read_ask(*, actor: User) -> int:
    """A council admin asks for their directory to be read now: audited; the caller queues
    the read (`directory.tasks.directory_refresh`) with the council's id it returns."""
    council = staff_council(actor, Capability.COUNCIL_SETTINGS)
    source = DirectorySource.objects.filter(council=council).exclude(url="").first()
    if source is None:
        raise ApplicationError(
            _("Save your directory’s address first."), code="directory_no_address"
        )
    audit_record(actor=actor, verb="directory.read_asked", target=source, council=council)
    return council.pk


def directory_refresh(*, council_id: int, actor: User | None = None) -> int | None:
    """Read the council's directory from its address (the nightly job, or a council admin's
    "read it now"): the number of services read, or None when the read failed (the reason
    kept on the source, the services read before kept too)."""
    source = DirectorySource.objects.filter(council_id=council_id).exclude(url="").first()
    if source is None:
        return None
    try:
        reading = oruk.read_api(source.url)
    except ApplicationError as exc:
        logger.warning("directory of council %s unreadable: %s", council_id, exc.message)
        with transaction.atomic():
            failed = _source(source.council)
            failed.state, failed.problem = DirectorySource.State.FAILED, exc.message[:300]
            failed.save(update_fields=["state", "problem", "updated_at"])
        return None
    with transaction.atomic():
        return _store(council=source.council, reading=reading, actor=actor, how="address")
