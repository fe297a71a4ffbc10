"""Where a project's city is: its boundary among its neighbours, cut to a small window.

Boundaries come from `dashboard.geo.boundaries` (shipped derived copies, or the open-data
folder). Without them the locator falls back to the city's registry lat/lon as a plain
marker, and without those to nothing (the slide then shows no map).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

HALF_WINDOW_LAT = 2.3
HALF_WINDOW_LON = 1.8
PAD = 0.08
MIN_AREA = 2e-5  # square degrees (x2): about 0.1 km², invisible at this scale

Ring = list[tuple[float, float]]


@dataclass(frozen=True)
class Locator:
    """Rings to draw (below the city, the city, above it) and the window to show."""

    centre: tuple[float, float]  # lon, lat
    lon_range: tuple[float, float]
    lat_range: tuple[float, float]
    below: list[Ring] = field(default_factory=list)
    target: list[Ring] = field(default_factory=list)
    above: list[Ring] = field(default_factory=list)


def _area(ring: Ring) -> float:
    """Twice the signed planar area (positive = counter-clockwise)."""
    return sum(
        x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)
    )


def _exteriors(geometry: dict[str, Any]) -> list[Ring]:
    """Exterior rings, clockwise, without slivers (a ring rounded down to no area).

    Holes are not needed: an enclosed neighbour is its own feature, drawn on top.
    """
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    rings = []
    for poly in polygons:
        if not poly or len(poly[0]) < 4:
            continue
        ring = [(float(p[0]), float(p[1])) for p in poly[0]]
        area = _area(ring)
        if abs(area) < MIN_AREA:
            continue
        rings.append(ring[::-1] if area > 0 else ring)
    return rings


def _bbox(rings: list[Ring]) -> tuple[float, float, float, float]:
    lons = [p[0] for r in rings for p in r]
    lats = [p[1] for r in rings for p in r]
    return min(lons), min(lats), max(lons), max(lats)


def _contains(outer: tuple, inner: tuple) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and outer[2] >= inner[2]
        and (outer[3] >= inner[3])
    )


def _window(lon: float, lat: float) -> tuple[tuple[float, float], tuple[float, float]]:
    return (lon - HALF_WINDOW_LON, lon + HALF_WINDOW_LON), (
        lat - HALF_WINDOW_LAT,
        lat + HALF_WINDOW_LAT,
    )


def _boundaries(geo_file: str) -> dict | None:
    try:
        from gosmart.dashboard.geo import boundaries
    except ImportError:
        return None
    try:
        return boundaries(geo_file)
    except (OSError, ValueError):
        return None


def _slide(
    window: tuple[float, float], region: tuple[float, float], target: tuple[float, float]
) -> tuple[float, float]:
    """Move a window (same size) toward the side where the region overflows it alone.

    Near a coast the city-centred window cuts the land off on one side and shows sea on
    the other (New Taipei: the south of Taiwan); the window moves by at most the sea it
    shows and never leaves the city's own extent.
    """
    lo, hi = window
    below, above = lo - region[0], region[1] - hi
    if below > 0 and above <= 0:
        shift = -min(below, hi - max(region[1], target[1]))
    elif above > 0 and below <= 0:
        shift = min(above, min(region[0], target[0]) - lo)
    else:
        return window
    return lo + shift, hi + shift


def _overlaps(box: tuple, lon_range: tuple[float, float], lat_range: tuple[float, float]) -> bool:
    return not (
        box[2] < lon_range[0]
        or box[0] > lon_range[1]
        or box[3] < lat_range[0]
        or box[1] > lat_range[1]
    )


def from_boundaries(collection: dict, geo_id: str) -> Locator | None:
    """The locator of feature `geo_id` in a FeatureCollection, or None if absent."""
    features = [
        (str(f.get("id")), _exteriors(f.get("geometry") or {}))
        for f in collection.get("features", [])
    ]
    target = next((rings for fid, rings in features if fid == str(geo_id) and rings), None)
    if not target:
        return None
    tb = _bbox(target)
    lon, lat = (tb[0] + tb[2]) / 2, (tb[1] + tb[3]) / 2
    lon_range, lat_range = _window(lon, lat)
    others = [(rings, _bbox(rings)) for fid, rings in features if fid != str(geo_id) and rings]
    near = [box for _, box in others if _overlaps(box, lon_range, lat_range)]
    region = _bbox([[(b[0], b[1]), (b[2], b[3])] for b in [*near, tb]])
    lon_range = _slide(lon_range, (region[0], region[2]), (tb[0], tb[2]))
    lat_range = _slide(lat_range, (region[1], region[3]), (tb[1], tb[3]))
    below: list[Ring] = []
    above: list[Ring] = []
    for rings, fb in others:
        if not _overlaps(fb, lon_range, lat_range):
            continue
        # A neighbour whose box holds the city's may enclose it: draw it first, so the
        # city is not covered; everything else (holes in the city included) goes on top.
        (below if _contains(fb, tb) else above).extend(rings)
    shown = _bbox([*below, *target, *above])
    lon_range = (max(lon_range[0], shown[0] - PAD), min(lon_range[1], shown[2] + PAD))
    lat_range = (max(lat_range[0], shown[1] - PAD), min(lat_range[1], shown[3] + PAD))
    return Locator((lon, lat), lon_range, lat_range, below, target, above)


def locate(city: dict[str, Any]) -> Locator | None:
    """The locator for a city row (geo_file, geo_id, lat, lon), best available."""
    geo_file, geo_id = city.get("geo_file"), city.get("geo_id")
    if geo_file and geo_id:
        collection = _boundaries(str(geo_file))
        if collection:
            found = from_boundaries(collection, str(geo_id))
            if found is not None:
                return found
    lat, lon = city.get("lat"), city.get("lon")
    if isinstance(lat, int | float) and isinstance(lon, int | float):
        lon_range, lat_range = _window(float(lon), float(lat))
        return Locator((float(lon), float(lat)), lon_range, lat_range)
    return None
