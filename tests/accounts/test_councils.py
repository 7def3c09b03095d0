"""Council boundaries: import from GeoJSON, and the point-in-council lookup."""

import json
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command

from accounts.models import Council
from accounts.selectors import council_for_point

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parent.parent / "data"


def _import(path, name="LAD24NM", code="LAD24CD"):
    call_command("import_council", geojson=str(path), name_property=name, code_property=code)


def test_import_polygon_and_multipolygon():
    _import(DATA / "lad_sample.geojson")
    leeds = Council.objects.get(code="E08000035")
    manchester = Council.objects.get(code="E08000003")
    assert leeds.name == "Leeds" and leeds.slug == "leeds"
    assert leeds.boundary.geom_type == "MultiPolygon"
    assert len(manchester.boundary) == 2
    assert leeds.boundary.srid == 4326


def test_import_twice_updates_instead_of_duplicating():
    _import(DATA / "lad_sample.geojson")
    _import(DATA / "lad_sample.geojson")
    assert Council.objects.count() == 2


def test_import_honours_a_british_national_grid_crs():
    _import(DATA / "lad_bng_sample.geojson")
    westminster = Council.objects.get(code="E09000033")
    xmin, ymin, xmax, ymax = westminster.boundary.extent
    # 527000..531000 E, 178000..182000 N is roughly -0.17..-0.11 lon, 51.49..51.53 lat.
    assert -0.18 < xmin < -0.16 and -0.12 < xmax < -0.10
    assert 51.48 < ymin < 51.50 and 51.52 < ymax < 51.54
    # Buckingham Palace is inside.
    assert council_for_point(point=Point(-0.1416, 51.5010, srid=4326)) == westminster


def _write(tmp_path, content, name="bad.geojson"):
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


@pytest.mark.parametrize(
    "content, message",
    [
        ("this is not json at all", "not a GeoJSON FeatureCollection"),
        (
            {
                "type": "Feature",
                "properties": {"LAD24CD": "X", "LAD24NM": "Y"},
                "geometry": {"type": "Point", "coordinates": [0, 51]},
            },
            "not a GeoJSON FeatureCollection",
        ),
        ({"type": "FeatureCollection", "features": []}, "no features"),
    ],
)
def test_import_refuses_files_that_are_not_feature_collections(tmp_path, content, message):
    with pytest.raises(CommandError, match=message):
        _import(_write(tmp_path, content))
    assert Council.objects.count() == 0


def test_import_names_missing_property(tmp_path):
    with pytest.raises(CommandError, match="Property LAD23CD not found.*LAD24CD"):
        _import(DATA / "lad_sample.geojson", code="LAD23CD")
    assert Council.objects.count() == 0


def test_a_bad_feature_leaves_nothing_half_imported(tmp_path):
    collection = json.loads((DATA / "lad_sample.geojson").read_text())
    collection["features"].append(
        {
            "type": "Feature",
            "properties": {"LAD24CD": "E0X", "LAD24NM": "Point Town"},
            "geometry": {"type": "Point", "coordinates": [-1.5, 53.8]},
        }
    )
    with pytest.raises(CommandError, match="Point.*Polygon or MultiPolygon.*Nothing was imported"):
        _import(_write(tmp_path, collection))
    assert Council.objects.count() == 0


def test_council_for_point():
    _import(DATA / "lad_sample.geojson")
    assert council_for_point(point=Point(-1.55, 53.80, srid=4326)).code == "E08000035"
    # The second, smaller polygon of Manchester's MultiPolygon.
    assert council_for_point(point=Point(-2.07, 53.42, srid=4326)).code == "E08000003"
    assert council_for_point(point=Point(-3.0, 52.0, srid=4326)) is None


def test_council_for_point_ignores_inactive_councils():
    _import(DATA / "lad_sample.geojson")
    Council.objects.filter(code="E08000035").update(is_active=False)
    assert council_for_point(point=Point(-1.55, 53.80, srid=4326)) is None
