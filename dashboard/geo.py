"""Boundary GeoJSON for the offline maps: a derived copy of the open boundary files.

The raw files in ../shared/opendata/geo (CC0 / MIT / public domain, see their
SOURCES.md) are never copied as they are. `build_geo` derives the copy the repo
ships in datasets/geo/: only the properties the maps use, coordinates rounded to
about 110 m (1 km for the Indonesian provinces, which are shown at national scale,
simplified and without islets a map at that scale cannot show), and the attribution
in a `metadata` member and a README. A registry unit whose `geo_id` joins feature ids
with '+' (Papua before its 2022 split: '91+93+94+95') gets a feature of those parts.
Ring order is kept exactly: plotly.js needs clockwise exterior rings.

    python -m dashboard.geo build [--from DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from gosmart.registry import read_csv_rows
from gosmart.resources import GEO_DIR, REGISTRY_DIR
from gosmart.settings import Settings

JOIN = "+"  # joins the feature ids a registry unit's boundary is made of


@dataclass(frozen=True)
class Derivation:
    """How one raw boundary file becomes the shipped copy."""

    title: str
    source: str
    licence: str
    name_props: tuple[str, ...]
    decimals: int = 4
    keep_ids: frozenset[str] | None = None
    tolerance: float = 0.0  # Douglas-Peucker tolerance in degrees (0: none)
    min_area: float = 0.0  # parts smaller (deg²) are dropped, except each feature's largest


DERIVATIONS: dict[str, Derivation] = {
    "taiwan_counties.geojson": Derivation(
        "Taiwan counties and cities (22)",
        "g0v/twgeojson json/twCounty2010merge.topo.json (data: 交通部運輸研究所 / 內政部 TWN_COUNTY)",
        "CC0 1.0 (g0v/twgeojson); 資料來源：交通部運輸研究所 / 內政部",
        ("name_en", "name_zh"),
        decimals=3,
    ),
    "west_java_kabkota.geojson": Derivation(
        "West Java kabupaten/kota (27)",
        "cahyadsn/wilayah_boundaries db/kab/wilayah_boundaries_kab_32.sql",
        "MIT, copyright (c) 2025 by cahya dsn",
        ("name_en", "nama"),
        decimals=3,
    ),
    "indonesia_provinces.geojson": Derivation(
        "Indonesian provinces (38, and Papua and Papua Barat before the 2022 splits)",
        "cahyadsn/wilayah_boundaries db/prov/wilayah_boundaries_prov_*.sql",
        "MIT, copyright (c) 2025 by cahya dsn",
        ("name_en", "nama", "iso_3166_2"),
        decimals=2,
        tolerance=0.04,
        min_area=0.01,
    ),
}


def _perpendicular(p: list[float], a: list[float], b: list[float]) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    if dx == dy == 0:
        return ((p[0] - a[0]) ** 2 + (p[1] - a[1]) ** 2) ** 0.5
    return abs(dy * p[0] - dx * p[1] + b[0] * a[1] - b[1] * a[0]) / (dx * dx + dy * dy) ** 0.5


def _douglas_peucker(points: list[list[float]], tolerance: float) -> list[list[float]]:
    """The points of an open line that keep it within `tolerance` of itself."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        lo, hi = stack.pop()
        far, index = 0.0, None
        for k in range(lo + 1, hi):
            d = _perpendicular(points[k], points[lo], points[hi])
            if d > far:
                far, index = d, k
        if index is not None and far > tolerance:
            keep[index] = True
            stack += [(lo, index), (index, hi)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def _area(ring: list[list[float]]) -> float:
    """Signed area (deg²): negative for a clockwise ring."""
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:], strict=False)) / 2


def _simplified(ring: list[list[float]], tolerance: float) -> list[list[float]]:
    """A closed ring simplified in two halves (split at its farthest point from the
    start), or the ring itself when simplifying would flip or collapse it."""
    if tolerance <= 0 or len(ring) < 8:
        return ring
    start = ring[0]
    far = max(
        range(len(ring)), key=lambda k: (ring[k][0] - start[0]) ** 2 + (ring[k][1] - start[1]) ** 2
    )
    out = _douglas_peucker(ring[: far + 1], tolerance)[:-1] + _douglas_peucker(
        ring[far:], tolerance
    )
    same_side = _area(out) * _area(ring) > 0
    return out if len(out) >= 4 and same_side else ring


def _ring(ring: list, decimals: int, tolerance: float = 0.0) -> list | None:
    """Simplified, rounded ring without repeated points; None when it collapses (no area)."""
    out: list[list[float]] = []
    points = _simplified([[float(p[0]), float(p[1])] for p in ring], tolerance)
    for lon, lat in points:
        point = [round(float(lon), decimals), round(float(lat), decimals)]
        if not out or point != out[-1]:
            out.append(point)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    ring = [*out, out[0]]
    if len({tuple(p) for p in out}) < 3 or _area(ring) == 0:
        return None
    return ring


def _polygon(rings: list, spec: Derivation) -> list | None:
    kept = [_ring(r, spec.decimals, spec.tolerance) for r in rings]
    if not kept or kept[0] is None:
        return None
    holes = (r for r in kept[1:] if r is not None and abs(_area(r)) >= spec.min_area)
    return [kept[0], *holes]


def _polygons(geometry: dict, spec: Derivation) -> list:
    """A feature's polygons, its islets under `min_area` left out (never its largest part)."""
    parts = (
        [geometry["coordinates"]]
        if geometry.get("type") == "Polygon"
        else geometry.get("coordinates", [])
    )
    polygons = [p for p in (_polygon(part, spec) for part in parts) if p]
    if not polygons or spec.min_area <= 0:
        return polygons
    largest = max(polygons, key=lambda p: abs(_area(p[0])))
    return [p for p in polygons if p is largest or abs(_area(p[0])) >= spec.min_area]


def _joined_units(file_name: str) -> list[dict[str, str]]:
    """Registry units whose boundary in `file_name` is several features joined with '+'."""
    rows = read_csv_rows(
        REGISTRY_DIR / "cities.csv", ["city_id", "name_en", "name_local", "geo_file", "geo_id"]
    )
    return [r for r in rows if r["geo_file"] == file_name and JOIN in r["geo_id"]]


def derive(raw: dict, spec: Derivation, file_name: str) -> dict:
    """The shipped FeatureCollection derived from a raw one."""
    features = []
    for feature in raw.get("features", []):
        fid = str(feature.get("id") or "")
        if spec.keep_ids is not None and fid not in spec.keep_ids:
            continue
        polygons = _polygons(feature.get("geometry") or {}, spec)
        if not polygons:
            continue
        props = feature.get("properties") or {}
        features.append(
            {
                "type": "Feature",
                "id": fid,
                "properties": {k: props.get(k) for k in spec.name_props},
                "geometry": {"type": "MultiPolygon", "coordinates": polygons},
            }
        )
    by_id = {f["id"]: f for f in features}
    for unit in _joined_units(file_name):
        parts = unit["geo_id"].split(JOIN)
        missing = [p for p in parts if p not in by_id]
        if missing:
            raise ValueError(f"{file_name}: {unit['city_id']} joins unknown feature(s) {missing}")
        props = {"name_en": unit["name_en"], "nama": unit["name_local"], "iso_3166_2": None}
        features.append(
            {
                "type": "Feature",
                "id": unit["geo_id"],
                "properties": {k: props.get(k) for k in spec.name_props},
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": [
                        p for part in parts for p in by_id[part]["geometry"]["coordinates"]
                    ],
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "metadata": {
            "title": spec.title,
            "derived_from": f"../shared/opendata/geo/{file_name}",
            "source": spec.source,
            "licence": spec.licence,
            "processing": (
                f"kept id and {', '.join(spec.name_props)}; "
                + (
                    f"simplified (Douglas-Peucker, {spec.tolerance} deg), parts under "
                    f"{spec.min_area} deg² dropped (never a unit's largest); "
                    if spec.tolerance or spec.min_area
                    else ""
                )
                + f"coordinates rounded to {spec.decimals} decimals; ring order kept "
                "(clockwise exterior, as plotly.js needs)"
            ),
        },
        "features": features,
    }


def _readme(out_dir: Path) -> str:
    lines = [
        "# Boundary GeoJSON (derived copies)",
        "",
        "Generated by `python -m dashboard.geo build` from `../shared/opendata/geo`; do not edit.",
        "Each file's `metadata` member names its source, licence and processing.",
        "",
    ]
    for name, spec in DERIVATIONS.items():
        lines.append(f"- `{name}`: {spec.title}. Source: {spec.source}. Licence: {spec.licence}.")
    return "\n".join(lines) + "\n"


def build_geo(src_dir: Path, out_dir: Path = GEO_DIR) -> list[Path]:
    """Write every derived boundary file (and a README) from the raw files in `src_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, spec in DERIVATIONS.items():
        src = src_dir / name
        try:
            raw = json.loads(src.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{src}: cannot read boundary file ({exc})") from exc
        target = out_dir / name
        text = json.dumps(derive(raw, spec, name), ensure_ascii=False, separators=(",", ":"))
        target.write_text(text + "\n", encoding="utf-8")
        written.append(target)
    (out_dir / "README.md").write_text(_readme(out_dir), encoding="utf-8")
    return written


@cache
def boundaries(file_name: str) -> dict | None:
    """The boundary file shipped in the package (None for a name it does not ship)."""
    shipped = GEO_DIR / file_name
    if file_name not in DERIVATIONS or not shipped.is_file():
        return None
    return json.loads(shipped.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gosmart.dashboard.geo", description=__doc__)
    parser.add_argument("action", choices=["build"])
    parser.add_argument("--from", dest="src", help="raw geo folder (default: opendata/geo)")
    parser.add_argument("--out", default=str(GEO_DIR))
    args = parser.parse_args(argv)
    found = Settings.from_env().opendata_dir()
    src = Path(args.src) if args.src else (found / "geo" if found else None)
    if src is None:
        print("dashboard.geo: no open-data folder; pass --from DIR", file=sys.stderr)
        return 2
    try:
        for path in build_geo(src, Path(args.out)):
            print(f"{path} ({path.stat().st_size // 1024} KB)")
    except ValueError as exc:
        print(f"dashboard.geo: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
