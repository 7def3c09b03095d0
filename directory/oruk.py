"""Reading an Open Referral UK (HSDS 3.0 UK profile) directory: its services as plain
records, from an API's pages or from a file. Nothing here writes to the database.

An ORUK API lists services at `GET {base}/services?page=N&per_page=M` in a page envelope
(`contents`, `total_pages`, `page_number`…) with only each service's one-to-one fields; the
fully nested service (its locations, phones, taxonomy terms) is at `GET {base}/services/{id}`.
A file may hold a page envelope, a list of services or one service.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _

from core.errors import ApplicationError

PER_PAGE = 100
MAX_PAGES = 50
MAX_SERVICES = 1000
MAX_BYTES = 5_000_000
TIMEOUT_S = 10


@dataclass(frozen=True)
class ServiceRecord:
    source_id: str
    name: str
    organisation: str = ""
    description: str = ""
    url: str = ""
    email: str = ""
    phone: str = ""
    latitude: float | None = None
    longitude: float | None = None
    place: str = ""
    terms: tuple[str, ...] = ()


@dataclass
class Reading:
    """The active services read, and how many entries were left out and why (counted)."""

    services: list[ServiceRecord] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)

    def leave_out(self, why: str) -> None:
        self.left_out[why] = self.left_out.get(why, 0) + 1


def _text(value, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _valid_url(value) -> str:
    text = _text(value, 500)
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        return ""
    return text


def _valid_email(value) -> str:
    text = _text(value, 254)
    try:
        EmailValidator()(text)
    except ValidationError:
        return ""
    return text


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _first_location(service: dict) -> tuple[float | None, float | None, str]:
    for sal in service.get("service_at_locations") or []:
        location = (sal or {}).get("location") if isinstance(sal, dict) else None
        if not isinstance(location, dict):
            continue
        lat, lon = _number(location.get("latitude")), _number(location.get("longitude"))
        if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            continue
        words = [_text(location.get("name"), 120)]
        addresses = location.get("addresses") or []
        if addresses and isinstance(addresses[0], dict):
            a = addresses[0]
            words += [_text(a.get(k), 120) for k in ("address_1", "city", "postal_code")]
        return lat, lon, ", ".join(w for w in words if w)[:255]
    return None, None, ""


def _terms(service: dict) -> tuple[str, ...]:
    found = []
    for attribute in service.get("attributes") or []:
        term = attribute.get("taxonomy_term") if isinstance(attribute, dict) else None
        if isinstance(term, dict):
            word = _text(term.get("term") or term.get("name"), 120).lower()
            if word and word not in found:
                found.append(word)
    return tuple(found)


def service_record(service) -> tuple[ServiceRecord | None, str]:
    """One ORUK service as a record, or None and why it was left out."""
    if not isinstance(service, dict):
        return None, "not a service"
    source_id = service.get("id")
    if isinstance(source_id, int) and not isinstance(source_id, bool):
        source_id = str(source_id)
    name = _text(service.get("name"), 255)
    if not isinstance(source_id, str) or not source_id.strip() or not name:
        return None, "no id or name"
    status = service.get("status", "active")
    if status != "active":
        return None, "not active"
    phones = [p for p in service.get("phones") or [] if isinstance(p, dict)]
    organisation = service.get("organization")
    lat, lon, place = _first_location(service)
    return (
        ServiceRecord(
            source_id=source_id.strip()[:200],
            name=name,
            organisation=_text(organisation.get("name"), 255)
            if isinstance(organisation, dict)
            else "",
            description=_text(service.get("description"), 2000),
            url=_valid_url(service.get("url")),
            email=_valid_email(service.get("email")),
            phone=_text(phones[0].get("number"), 40) if phones else "",
            latitude=lat,
            longitude=lon,
            place=place,
            terms=_terms(service),
        ),
        "",
    )


def services_in(payload) -> list:
    """The services a document holds: a page envelope's `contents`, a list, or one service."""
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict):
        if isinstance(payload.get("contents"), list):
            return payload["contents"]
        if "id" in payload and "name" in payload:
            return [payload]
    raise ApplicationError(
        _(
            "This is not an Open Referral UK directory: Kith expected a page of services "
            "(with “contents”), a list of services or one service."
        ),
        code="directory_not_oruk",
    )


def read_document(payload) -> Reading:
    """The active services of an uploaded or fetched document."""
    reading = Reading()
    for service in services_in(payload)[:MAX_SERVICES]:
        record, why = service_record(service)
        if record is None:
            reading.leave_out(why)
        else:
            reading.services.append(record)
    return reading


# --- Reading an ORUK API --------------------------------------------------------------------
def _refuse(message: str) -> ApplicationError:
    return ApplicationError(message, code="directory_unreadable")


def check_address(url: str) -> str:
    """The directory's address if Kith may read it: HTTPS, and a host on the public internet
    (so that the setting cannot be used to make Kith read its own private network)."""
    parts = urlsplit(url.strip())
    allow_private = getattr(settings, "KITH_DIRECTORY_ALLOW_PRIVATE_HOSTS", False)
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise _refuse(_("The directory’s address must start with https://."))
    if not parts.hostname:
        raise _refuse(_("Enter the directory’s full address, like https://example.org/api/."))
    if not allow_private:
        try:
            addresses = {str(info[4][0]) for info in socket.getaddrinfo(parts.hostname, None)}
        except OSError as exc:
            raise _refuse(_("Kith could not find the directory’s server.")) from exc
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if not ip.is_global:
                raise _refuse(_("The directory’s server must be on the public internet."))
    return url.strip()


def _get(session: requests.Session, url: str, params: dict | None = None):
    try:
        response = session.get(url, params=params, timeout=TIMEOUT_S, stream=True)
        response.raise_for_status()
        body = response.raw.read(MAX_BYTES + 1, decode_content=True)
    except requests.RequestException as exc:
        raise _refuse(
            _("Kith could not read the directory (%(problem)s). It will try again tonight.")
            % {"problem": type(exc).__name__}
        ) from exc
    if len(body) > MAX_BYTES:
        raise _refuse(_("The directory sent more than 5 MB in one answer."))
    try:
        return json.loads(body)
    except ValueError as exc:
        raise _refuse(_("The directory did not answer in JSON.")) from exc


def read_api(base_url: str) -> Reading:
    """Every active service of an ORUK API: its pages of services, then each one in full
    (locations, phones and taxonomy terms are only in the full service)."""
    base = check_address(base_url).rstrip("/") + "/"
    reading = Reading()
    ids: list[str] = []
    with requests.Session() as session:
        session.headers["Accept"] = "application/json"
        page, pages = 1, 1
        while page <= min(pages, MAX_PAGES) and len(ids) < MAX_SERVICES:
            payload = _get(session, urljoin(base, "services"), {"page": page, "per_page": PER_PAGE})
            for service in services_in(payload):
                record, why = service_record(service)
                if record is None:
                    reading.leave_out(why)
                elif record.source_id not in ids:
                    ids.append(record.source_id)
            total = payload.get("total_pages") if isinstance(payload, dict) else None
            pages = total if isinstance(total, int) and total > 0 else 1
            page += 1
        for source_id in ids[:MAX_SERVICES]:
            record, why = service_record(
                _get(session, urljoin(base, "services/" + requests.utils.quote(source_id)))
            )
            if record is None:
                reading.leave_out(why)
            else:
                reading.services.append(record)
    return reading
