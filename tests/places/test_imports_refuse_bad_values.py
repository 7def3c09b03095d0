"""Imports refuse impossible values with a clear message naming the line or the feature, and
save nothing: postcodes at NaN, infinity or longitude 999; council boundaries at longitude
999, in a coordinate system Kith cannot place, with NaN coordinates, or not in UTF-8."""

from __future__ import annotations

import json

import pytest

from accounts.models import Council
from accounts.services import councils_import_geojson
from core.errors import ApplicationError
from places.importer import postcodes_import_csv
from places.models import Postcode

pytestmark = pytest.mark.django_db

HEADER = "pcd,pcds,doterm,oslaua,lat,long\n"
GOOD = "LS11AA,LS1 1AA,,E08000035,53.7965,-1.5478\n"


@pytest.mark.parametrize(
    ("lat", "long"),
    [
        ("53.79", "nan"),
        ("53.79", "NaN"),
        ("53.79", "inf"),
        ("53.79", "-Infinity"),
        ("53.79", "999"),
        ("53.79", "-180.5"),
        ("nan", "-1.54"),
        ("inf", "-1.54"),
    ],
)
def test_a_postcode_at_an_impossible_place_is_refused_naming_its_line(tmp_path, lat, long):
    path = tmp_path / "onspd.csv"
    path.write_text(HEADER + GOOD + f"LS29JT,LS2 9JT,,E08000035,{lat},{long}\n")
    with pytest.raises(ApplicationError) as refused:
        postcodes_import_csv(path=path)
    assert "Line 3" in refused.value.message
    assert not Postcode.objects.exists()


def _feature(coordinates, *, code="E08000035", name="Leeds") -> dict:
    return {
        "type": "Feature",
        "properties": {"LAD24CD": code, "LAD24NM": name},
        "geometry": {"type": "Polygon", "coordinates": [coordinates]},
    }


SQUARE = [[-1.8, 53.7], [-1.3, 53.7], [-1.3, 53.95], [-1.8, 53.95], [-1.8, 53.7]]


def _import(tmp_path, collection: dict | bytes):
    path = tmp_path / "lad.geojson"
    if isinstance(collection, bytes):
        path.write_bytes(collection)
    else:
        path.write_text(json.dumps(collection))
    return councils_import_geojson(path=path, name_property="LAD24NM", code_property="LAD24CD")


def test_a_boundary_at_longitude_999_is_refused_naming_the_feature(tmp_path):
    far = [[999.0, 53.7], [999.5, 53.7], [999.5, 53.95], [999.0, 53.95], [999.0, 53.7]]
    collection = {
        "type": "FeatureCollection",
        "features": [_feature(SQUARE), _feature(far, code="E08000036", name="Wakefield")],
    }
    with pytest.raises(ApplicationError) as refused:
        _import(tmp_path, collection)
    assert "Feature 2" in refused.value.message and "E08000036" in refused.value.message
    assert not Council.objects.exists()


def test_a_boundary_with_nan_coordinates_is_refused(tmp_path):
    text = json.dumps({"type": "FeatureCollection", "features": [_feature(SQUARE)]})
    text = text.replace("-1.3, 53.7", "NaN, 53.7", 1)
    with pytest.raises(ApplicationError) as refused:
        _import(tmp_path, text.encode())
    assert "Feature 1" in refused.value.message
    assert not Council.objects.exists()


def test_a_coordinate_system_kith_cannot_place_is_refused(tmp_path):
    collection = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}},
        "features": [_feature(SQUARE)],
    }
    with pytest.raises(ApplicationError) as refused:
        _import(tmp_path, collection)
    assert "coordinate" in refused.value.message
    assert not Council.objects.exists()


def test_a_file_not_in_utf8_is_refused(tmp_path):
    collection = {"type": "FeatureCollection", "features": [_feature(SQUARE, name="Ynys Môn")]}
    with pytest.raises(ApplicationError) as refused:
        _import(tmp_path, json.dumps(collection, ensure_ascii=False).encode("latin-1"))
    assert "UTF-8" in refused.value.message
    assert not Council.objects.exists()
