"""The shipped boundary files: every registry unit has its feature, small, clockwise, reproducible."""

from __future__ import annotations

import json

import pytest

from gosmart.dashboard import geo
from gosmart.registry import read_csv_rows
from gosmart.resources import GEO_DIR, REGISTRY_DIR

MAX_BYTES = 120_000  # each shipped file: the map page sends it whole


def _units() -> list[dict[str, str]]:
    return [
        r
        for r in read_csv_rows(REGISTRY_DIR / "cities.csv", ["city_id", "geo_file", "geo_id"])
        if r["geo_file"]
    ]


def test_every_registry_unit_with_a_boundary_file_has_its_feature():
    for name in geo.DERIVATIONS:
        path = GEO_DIR / name
        assert path.stat().st_size < MAX_BYTES, name
        ids = {str(f["id"]) for f in json.loads(path.read_text(encoding="utf-8"))["features"]}
        wanted = {r["geo_id"] for r in _units() if r["geo_file"] == name}
        assert wanted and wanted <= ids, (name, sorted(wanted - ids))


def test_every_exterior_ring_is_clockwise_as_plotly_needs():
    for name in geo.DERIVATIONS:
        shipped = json.loads((GEO_DIR / name).read_text(encoding="utf-8"))
        for feature in shipped["features"]:
            for polygon in feature["geometry"]["coordinates"]:
                assert geo._area(polygon[0]) < 0, (name, feature["id"])


def _square(x: float, y: float, size: float, steps: int) -> list[list[float]]:
    """A clockwise square ring with `steps` collinear points on each side."""
    corners = [(x, y), (x, y + size), (x + size, y + size), (x + size, y), (x, y)]
    ring = []
    for (x0, y0), (x1, y1) in zip(corners, corners[1:], strict=False):
        ring += [[x0 + (x1 - x0) * k / steps, y0 + (y1 - y0) * k / steps] for k in range(steps)]
    return [*ring, ring[0]]


def test_derive_simplifies_drops_islets_and_joins_units_named_in_the_registry(monkeypatch):
    big, islet = _square(100.0, -5.0, 2.0, 40), _square(110.0, -5.0, 0.05, 3)
    raw = {
        "features": [
            {"id": "1", "properties": {"nama": "A"}, "geometry": {
                "type": "MultiPolygon", "coordinates": [[big], [islet]]}},
            {"id": "2", "properties": {"nama": "B"}, "geometry": {
                "type": "Polygon", "coordinates": [_square(103.0, -5.0, 1.0, 10)]}},
        ]
    }  # fmt: skip
    joined = [{"city_id": "X-OLD", "name_en": "Old A", "name_local": "A lama", "geo_id": "1+2"}]
    monkeypatch.setattr(geo, "_joined_units", lambda file_name: joined)
    spec = geo.Derivation("t", "s", "l", ("nama",), decimals=2, tolerance=0.04, min_area=0.01)
    out = {f["id"]: f for f in geo.derive(raw, spec, "test.geojson")["features"]}
    (polygon,) = out["1"]["geometry"]["coordinates"]  # the islet is gone, the square kept
    assert len(polygon[0]) == 5 and geo._area(polygon[0]) == pytest.approx(-4.0)
    assert out["1+2"]["properties"] == {"nama": "A lama"}
    assert out["1+2"]["geometry"]["coordinates"] == (
        out["1"]["geometry"]["coordinates"] + out["2"]["geometry"]["coordinates"]
    )
    joined[0]["geo_id"] = "1+9"
    with pytest.raises(ValueError, match=r"X-OLD joins unknown feature\(s\) \['9'\]"):
        geo.derive(raw, spec, "test.geojson")


@pytest.mark.opendata
def test_the_shipped_files_are_what_build_writes(opendata, tmp_path):
    for path in geo.build_geo(opendata / "geo", tmp_path):
        assert path.read_bytes() == (GEO_DIR / path.name).read_bytes(), path.name
