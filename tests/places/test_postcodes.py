"""Postcodes: normalisation, validation, import in both open-data formats, and lookup."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.errors import ApplicationError
from places.geo import is_valid_postcode, normalise_postcode, postcode_point
from places.models import Postcode

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("sw1a1aa", "SW1A 1AA"),
        ("  SW1A   1AA ", "SW1A 1AA"),
        ("m11ae", "M1 1AE"),
        ("b33 8th", "B33 8TH"),
        ("CR26XH", "CR2 6XH"),
        ("dn551pt", "DN55 1PT"),
        ("W1A0AX", "W1A 0AX"),
        ("ec1a 1bb", "EC1A 1BB"),
    ],
)
def test_normalise_and_validate(raw, expected):
    assert normalise_postcode(raw) == expected
    assert is_valid_postcode(raw)


@pytest.mark.parametrize("raw", ["", "hello", "SW1A", "12345", "SW1A 1A", "QQ1 1AA", "SW1A 1CI"])
def test_malformed_postcodes_are_invalid(raw):
    assert not is_valid_postcode(raw)


@pytest.mark.django_db
def test_import_onspd_maps_columns_by_header_and_skips_placeholders():
    call_command("import_postcodes", str(DATA / "onspd_sample.csv"))
    assert set(Postcode.objects.values_list("postcode", flat=True)) == {
        "SW1A 1AA",
        "M1 1AE",
        "LS1 1UR",
        "LS1 9ZZ",
    }
    palace = Postcode.objects.get(postcode="SW1A 1AA")
    assert palace.location.y == pytest.approx(51.501009)
    assert palace.location.x == pytest.approx(-0.141588)
    assert palace.district_code == "E09000033"
    assert Postcode.objects.get(postcode="LS1 9ZZ").terminated


@pytest.mark.django_db
def test_import_onspd_with_reordered_columns(tmp_path):
    path = tmp_path / "reordered.csv"
    path.write_text("lat,long,pcds,doterm\n53.479458,-2.237108,M1 1AE,\n")
    call_command("import_postcodes", str(path))
    assert Postcode.objects.get(postcode="M1 1AE").location.x == pytest.approx(-2.237108)


@pytest.mark.django_db
def test_import_codepoint_transforms_british_national_grid_to_wgs84():
    call_command("import_postcodes", str(DATA / "codepoint_sample.csv"))
    assert Postcode.objects.count() == 4  # the 0,0 row has no location
    palace = Postcode.objects.get(postcode="SW1A 1AA")  # spacing normalised
    # Buckingham Palace: about latitude 51.5010, longitude -0.1416.
    assert palace.location.y == pytest.approx(51.5010, abs=0.0005)
    assert palace.location.x == pytest.approx(-0.1416, abs=0.0005)
    assert palace.district_code == "E09000033"
    birmingham = Postcode.objects.get(postcode="B33 8TH")
    assert birmingham.location.y == pytest.approx(52.47, abs=0.02)
    assert birmingham.location.x == pytest.approx(-1.77, abs=0.03)


@pytest.mark.django_db
def test_import_is_idempotent():
    call_command("import_postcodes", str(DATA / "codepoint_sample.csv"))
    call_command("import_postcodes", str(DATA / "onspd_sample.csv"))
    assert Postcode.objects.filter(postcode="SW1A 1AA").count() == 1


@pytest.mark.django_db
def test_import_streams_in_batches(tmp_path):
    from places.importer import postcodes_import_csv

    path = tmp_path / "many.csv"
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    rows = ["pcds,lat,long"]
    for i in range(2500):
        rows.append(
            f"LS{1 + i % 20} {i % 10}{letters[i // 200 % 20]}{letters[i // 10 % 20]},53.8,-1.5"
        )
    path.write_text("\n".join(rows) + "\n")
    result = postcodes_import_csv(path=path, batch_rows=300)
    assert result.imported == 2500
    assert Postcode.objects.count() == len({r.split(",")[0] for r in rows[1:]})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content, message",
    [
        ("", "is empty"),
        ('"SW1A1AA",10,not-a-number,179645\n', "eastings and northings must be numbers"),
        ('"SW1A1AA",10,9999999,179645\n', "outside the British National Grid"),
        ("pcds,lat\nSW1A 1AA,51.5\n", "no long column"),
        ("just one column\n", "expected Code-Point Open columns"),
    ],
)
def test_bad_files_are_refused_with_nothing_imported(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    # A good row first, so that a half-done import would leave something behind.
    good = '"W1A 0AX",10,528887,181593\n' if not content.startswith("pcds") else ""
    path.write_text(content if not content or content == "just one column\n" else good + content)
    with pytest.raises(CommandError, match=message):
        call_command("import_postcodes", str(path))
    assert Postcode.objects.count() == 0


@pytest.mark.django_db
def test_postcode_point_lookup():
    call_command("import_postcodes", str(DATA / "onspd_sample.csv"))
    point = postcode_point(postcode="sw1a1aa")
    assert (round(point.y, 4), round(point.x, 4)) == (51.501, -0.1416)
    with pytest.raises(ApplicationError, match="Enter a real postcode"):
        postcode_point(postcode="not a postcode")
    with pytest.raises(ApplicationError, match="could not find the postcode SW1A 2AA"):
        postcode_point(postcode="SW1A 2AA")
    with pytest.raises(ApplicationError, match="could not find"):
        postcode_point(postcode="LS1 9ZZ")  # terminated
