"""Importing postcodes from the ONS Postcode Directory and OS Code-Point Open.

Rows are streamed from the CSV into a temporary table with COPY and merged into
`marketplace_postcode` in batches; British National Grid coordinates are transformed to WGS84
by PostGIS in the same statement, so the full 2.7-million-row ONSPD loads in minutes. The whole
from __future__ import annotations

import is one transaction: a bad file leaves the table as it was.
"""

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from places.geo import POSTCODE_RE, normalise_postcode

BATCH_ROWS = 100_000
# ONSPD marks postcodes with no grid reference with this latitude.
ONSPD_NO_LOCATION_LAT = 99.999999


@dataclass
class PostcodeImportResult:
    format: str
    imported: int = 0
    skipped_no_location: int = 0
    skipped_invalid: int = 0
    terminated: int = 0


@dataclass(frozen=True)
class _Row:
    postcode: str
    x: float
    y: float
    srid: int
    district: str
    terminated: bool


def _onspd_rows(reader, header: list[str], result: PostcodeImportResult) -> Iterator[_Row]:
    names = [h.strip().lower() for h in header]

    def col(*candidates: str, required: bool = True) -> int | None:
        for c in candidates:
            if c in names:
                return names.index(c)
        if required:
            raise ApplicationError(
                _(
                    "This looks like an ONS Postcode Directory file, but it has no %(column)s "
                    "column."
                )
                % {"column": " or ".join(candidates)}
            )
        return None

    i_pc, i_lat, i_long = col("pcds"), col("lat"), col("long")
    i_term = col("doterm", required=False)
    i_lad = col("oslaua", required=False)
    if i_lad is None:
        lad = [i for i, n in enumerate(names) if n.startswith("lad") and n.endswith("cd")]
        i_lad = lad[0] if lad else None
    for line_no, row in enumerate(reader, start=2):
        if not row:
            continue
        try:
            postcode = normalise_postcode(row[i_pc])
            lat, lon = float(row[i_lat]), float(row[i_long])
        except (IndexError, ValueError) as exc:
            raise ApplicationError(
                _("Line %(line)s: unreadable postcode row (%(error)s).")
                % {"line": line_no, "error": exc}
            ) from exc
        if not (math.isfinite(lat) and math.isfinite(lon) and -180 <= lon <= 180):
            raise ApplicationError(
                _(
                    "Line %(line)s: %(postcode)s is at latitude %(lat)s, longitude %(long)s, "
                    "which is no place on Earth."
                )
                % {
                    "line": line_no,
                    "postcode": row[i_pc].strip(),
                    "lat": row[i_lat].strip(),
                    "long": row[i_long].strip(),
                }
            )
        if abs(lat - ONSPD_NO_LOCATION_LAT) < 1e-6 or not (-90 <= lat <= 90):
            result.skipped_no_location += 1
            continue
        if not POSTCODE_RE.match(postcode):
            result.skipped_invalid += 1
            continue
        terminated = bool(i_term is not None and row[i_term].strip())
        district = row[i_lad].strip() if i_lad is not None else ""
        yield _Row(postcode, lon, lat, 4326, district, terminated)


def _codepoint_rows(reader, first: list[str], result: PostcodeImportResult) -> Iterator[_Row]:
    def rows():
        yield 1, first
        yield from enumerate(reader, start=2)

    for line_no, row in rows():
        if not row:
            continue
        if len(row) < 4:
            raise ApplicationError(
                _(
                    "Line %(line)s: expected Code-Point Open columns (postcode, quality, "
                    "eastings, northings, ...) or an ONSPD header with pcds, lat and long."
                )
                % {"line": line_no}
            )
        try:
            easting, northing = float(row[2]), float(row[3])
        except ValueError as exc:
            raise ApplicationError(
                _(
                    "Line %(line)s: eastings and northings must be numbers, got %(eastings)s "
                    "and %(northings)s."
                )
                % {"line": line_no, "eastings": repr(row[2]), "northings": repr(row[3])}
            ) from exc
        if easting == 0 and northing == 0:
            result.skipped_no_location += 1
            continue
        if not (0 <= easting <= 800_000 and 0 <= northing <= 1_400_000):
            raise ApplicationError(
                _("Line %(line)s: %(easting)s, %(northing)s is outside the British National Grid.")
                % {"line": line_no, "easting": f"{easting:.0f}", "northing": f"{northing:.0f}"}
            )
        postcode = normalise_postcode(row[0])
        if not POSTCODE_RE.match(postcode):
            result.skipped_invalid += 1
            continue
        district = row[8].strip() if len(row) > 8 else ""
        yield _Row(postcode, easting, northing, 27700, district, False)


_MERGE_SQL = """
INSERT INTO marketplace_postcode (postcode, location, district_code, terminated)
SELECT DISTINCT ON (postcode) postcode,
       CASE WHEN srid = 4326 THEN ST_SetSRID(ST_MakePoint(x, y), 4326)
            ELSE ST_Transform(ST_SetSRID(ST_MakePoint(x, y), srid), 4326) END,
       district, terminated
FROM kith_postcode_stage
ORDER BY postcode
ON CONFLICT (postcode) DO UPDATE
SET location = EXCLUDED.location,
    district_code = EXCLUDED.district_code,
    terminated = EXCLUDED.terminated
"""


def _flush(cursor, buffer: list[_Row]) -> None:
    if not buffer:
        return
    with cursor.copy(
        "COPY kith_postcode_stage (postcode, x, y, srid, district, terminated) FROM STDIN"
    ) as copy:
        for r in buffer:
            copy.write_row((r.postcode, r.x, r.y, r.srid, r.district, r.terminated))
    cursor.execute(_MERGE_SQL)
    cursor.execute("TRUNCATE kith_postcode_stage")
    buffer.clear()


def postcodes_import_csv(*, path: Path, batch_rows: int = BATCH_ROWS) -> PostcodeImportResult:
    """Import an ONSPD CSV (with header) or an OS Code-Point Open CSV (no header)."""
    path = Path(path)
    if not path.is_file():
        raise ApplicationError(_("No such file: %(path)s") % {"path": path})
    with path.open("r", encoding="utf-8-sig", newline="") as raw:
        reader = csv.reader(raw)
        try:
            first = next(reader)
        except StopIteration:
            raise ApplicationError(_("%(file)s is empty.") % {"file": path.name}) from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ApplicationError(
                _("%(file)s is not a readable CSV file (%(error)s).")
                % {"file": path.name, "error": exc}
            ) from exc
        lowered = [c.strip().lower() for c in first]
        if "pcds" in lowered:
            result = PostcodeImportResult(format="onspd")
            rows = _onspd_rows(reader, first, result)
        else:
            result = PostcodeImportResult(format="codepoint")
            rows = _codepoint_rows(reader, first, result)

        with transaction.atomic(), connection.cursor() as django_cursor:
            cursor = django_cursor.cursor  # the psycopg cursor, for COPY
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS kith_postcode_stage "
                "(postcode text, x float8, y float8, srid int, district text, terminated bool)"
                " ON COMMIT DROP"
            )
            buffer: list[_Row] = []
            try:
                for row in rows:
                    buffer.append(row)
                    result.imported += 1
                    result.terminated += row.terminated
                    if len(buffer) >= batch_rows:
                        _flush(cursor, buffer)
                _flush(cursor, buffer)
            except (csv.Error, UnicodeDecodeError) as exc:
                raise ApplicationError(
                    _("%(file)s is not a readable CSV file (%(error)s).")
                    % {"file": path.name, "error": exc}
                ) from exc
        if result.imported == 0:
            raise ApplicationError(
                _("%(file)s has no postcodes with a location.") % {"file": path.name}
            )
    return result
