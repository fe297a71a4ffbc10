"""Air-quality history files: IQAir city annual PM2.5, Taipei city-mean hourly AQI,
AirBox low-cost sensors (March 2017) and Jakarta's daily ISPU.

MOENV's own station files are another connector's (moenv.py). The Bandung AQMS file
is not loaded: unknown provenance, PM2.5 > 0 in only 62 of 9,231 rows, glitch rows.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from gosmart.connectors.core import OGDL, Batch, SourceSpec
from gosmart.connectors.errors import IngestError
from gosmart.connectors.sources._common import (
    city_series,
    dates,
    numbers,
    observations,
    one_series,
    read_csv,
    read_parquet,
    years,
)

# IQAir city labels -> city ids. Fengyuan, Xindian and Yuanlin are districts/towns that
# IQAir lists apart from their city: they are kept as sub-city entities, never the city value.
IQAIR_CITIES = {
    "Changhua": "TW-CHA",
    "Chiayi city": "TW-CYI",
    "Hsinchu": "TW-HSZ",  # IQAir's "Hsinchu" page is the city; assumed, see the source note
    "Hualien": "TW-HUA",
    "Kaohsiung": "TW-KHH",
    "Keelung": "TW-KEE",
    "Kinmen": "TW-KIN",
    "Lienchiang": "TW-LIE",
    "Miaoli": "TW-MIA",
    "Nantou": "TW-NAN",
    "New Taipei": "TW-NWT",
    "Penghu": "TW-PEN",
    "Pingtung": "TW-PIF",
    "Taichung": "TW-TXG",
    "Tainan": "TW-TNN",
    "Taipei": "TW-TPE",
    "Taitung": "TW-TTT",
    "Taoyuan": "TW-TAO",
    "Yilan": "TW-ILA",
    "Yunlin": "TW-YUN",
}
IQAIR_DISTRICTS = {"Fengyuan": "TW-TXG", "Xindian": "TW-NWT", "Yuanlin": "TW-CHA"}

AIRBOX_START = pd.Timestamp("2017-03-01 00:00")
AIRBOX_FILES = (
    "air/taiwan_airbox/airbox_pm25_hourly_2017-03.parquet",
    "air/taiwan_airbox/airbox_locations_2017-03.csv",
    "geo/taiwan_counties.geojson",
)


def parse_iqair(raw: bytes, location: str) -> Batch:
    """Annual city means (the 2021 monthly rows are not loaded); districts kept apart."""
    sid = "iqair_pm25_annual"
    f = read_csv(raw, sid, location, ["city", "period", "year", "pm25_ugm3"])
    f = f[f["period"] == "annual"]
    value = numbers(f["pm25_ugm3"], sid, location, "pm25_ugm3", allow_empty=True)
    year = years(f["year"], sid, location, "year")
    label = f["city"].str.strip()
    unknown = sorted(set(label) - set(IQAIR_CITIES) - set(IQAIR_DISTRICTS))
    if unknown:
        raise IngestError(sid, location, f"IQAir city label not mapped: {unknown[:5]}")
    keep = value.notna()
    label, year, value = label[keep], year[keep], value[keep]
    city = label.map({**IQAIR_CITIES, **IQAIR_DISTRICTS})
    entity = label.map(lambda n: "city" if n in IQAIR_CITIES else f"iqair:{n}")
    districts = sorted(set(label) & set(IQAIR_DISTRICTS))
    batch = Batch()
    batch.add(
        "station",
        pd.DataFrame(
            {
                "station_id": [f"iqair:{n}" for n in districts],
                "network": "iqair",
                "name": districts,
                "name_en": districts,
                "city_id": [IQAIR_DISTRICTS[n] for n in districts],
                "kind": "district",
            }
        ),
    )
    batch.add("series", city_series("pm25_iqair", city, "annual", "µg/m³", entity))
    ts = pd.to_datetime(year.astype(str) + "-01-01")
    batch.add("observation", observations("pm25_iqair|" + city + "|" + entity, ts, value))
    return batch


def parse_taipei_aqi(raw: bytes, location: str) -> Batch:
    """Taipei city-mean hourly AQI; upstream-interpolated hours and the -1 placeholders are dropped."""
    sid = "taipei_aqi_hourly"
    f = read_parquet(raw, sid, location, ["time", "aqi", "interpolated"])
    value = numbers(f["aqi"], sid, location, "aqi", allow_empty=True)
    flag = numbers(f["interpolated"], sid, location, "interpolated")
    ts = dates(f["time"], sid, location, "time")
    keep = (flag == 0) & value.notna() & (value >= 0)
    series = city_series("aqi", pd.Series(["TW-TPE"]), "hourly", "index")
    batch = Batch()
    batch.add("series", series)
    batch.add(
        "observation",
        observations(
            one_series(series["series_id"].iloc[0], int(keep.sum())), ts[keep], value[keep]
        ),
    )
    return batch


def _rings(geometry: dict) -> list[np.ndarray]:
    polygons = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    return [np.asarray(ring, dtype=float) for poly in polygons for ring in poly]


def locate(lat: np.ndarray, lon: np.ndarray, geojson: dict) -> list[str | None]:
    """City id (feature property iso_3166_2) holding each point, by even-odd ray casting."""
    found: list[str | None] = [None] * len(lat)
    for feature in geojson["features"]:
        inside = np.zeros(len(lat), dtype=bool)
        for ring in _rings(feature["geometry"]):
            x1, y1 = ring[:-1, 0][:, None], ring[:-1, 1][:, None]
            x2, y2 = ring[1:, 0][:, None], ring[1:, 1][:, None]
            crosses = (y1 > lat) != (y2 > lat)
            with np.errstate(divide="ignore", invalid="ignore"):
                x_at = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            inside ^= (np.sum(crosses & (lon < x_at), axis=0) % 2).astype(bool)
        for i in np.flatnonzero(inside):
            found[i] = found[i] or feature["properties"]["iso_3166_2"]
    return found


def parse_airbox_locations(raw: bytes, location: str, geojson: dict | None = None) -> pd.DataFrame:
    """AirBox device table: id from the package column name, city from the county boundaries."""
    sid = "airbox_pm25_2017_03"
    f = read_csv(raw, sid, location, ["series_name", "latitude", "longitude"])
    lat = numbers(f["latitude"], sid, location, "latitude").to_numpy()
    lon = numbers(f["longitude"], sid, location, "longitude").to_numpy()
    city = locate(lat, lon, geojson) if geojson else [None] * len(f)
    return pd.DataFrame(
        {
            "station_id": "airbox:" + f["series_name"].str.strip(),
            "network": "airbox",
            "name": f["series_name"].str.strip(),
            "city_id": city,
            "lat": lat,
            "lon": lon,
            "kind": "low-cost sensor",
        }
    )


def parse_airbox_set(files: dict[str, bytes]) -> Batch:
    """AirBox hourly PM2.5: hour_index 1..744 mapped to March 2017 from 00:00 local (assumed)."""
    sid = "airbox_pm25_2017_03"
    data_file, loc_file, geo_file = AIRBOX_FILES
    missing = [name for name in AIRBOX_FILES if name not in files]
    if missing:
        raise IngestError(sid, ", ".join(missing), "file missing from the set")
    try:
        geojson = json.loads(files[geo_file])
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IngestError(sid, geo_file, f"not JSON: {exc}") from None
    stations = parse_airbox_locations(files[loc_file], loc_file, geojson)
    f = read_parquet(files[data_file], sid, data_file, ["series_name", "hour_index", "pm25"])
    value = numbers(f["pm25"], sid, data_file, "pm25", allow_empty=True)
    hour = numbers(f["hour_index"], sid, data_file, "hour_index")
    if ((hour < 1) | (hour > 744)).any():
        raise IngestError(sid, data_file, "hour_index outside 1..744 (March 2017 has 744 hours)")
    station = "airbox:" + f["series_name"].astype(str).str.strip()
    city = station.map(stations.set_index("station_id")["city_id"])
    unknown = sorted(set(station) - set(stations["station_id"]))
    if unknown:
        raise IngestError(sid, data_file, f"device without a location row: {unknown[:3]}")
    keep = city.notna() & value.notna()
    ts = AIRBOX_START + pd.to_timedelta(hour[keep] - 1, unit="h")
    batch = Batch()
    batch.add("station", stations)
    batch.add("series", city_series("pm25_lowcost", city[keep], "hourly", "µg/m³", station[keep]))
    batch.add(
        "observation",
        observations("pm25_lowcost|" + city[keep] + "|" + station[keep], ts, value[keep]),
    )
    return batch


def parse_airbox(raw: bytes, location: str) -> Batch:
    """One AirBox file alone: only the device table (its city needs the boundary file)."""
    batch = Batch()
    batch.add("station", parse_airbox_locations(raw, location))
    return batch


def parse_jakarta_ispu(raw: bytes, location: str) -> Batch:
    """Daily overall ISPU (`max`) per DKI station; a row without a station or value is skipped."""
    sid = "jakarta_ispu_daily"
    f = read_csv(raw, sid, location, ["tanggal", "stasiun", "max"])
    value = numbers(f["max"], sid, location, "max", allow_empty=True)
    label = f["stasiun"].str.strip()
    keep = value.notna() & (label != "")
    f, value, label = f[keep], value[keep], label[keep]
    ts = dates(f["tanggal"], sid, location, "tanggal")
    code = label.str.extract(r"^(DKI\d+)", expand=False)
    if code.isna().any():
        raise IngestError(
            sid, location, f"stasiun not a DKI station: {label[code.isna()].iloc[0]!r}"
        )
    station = "dki:" + code
    names = pd.DataFrame({"station_id": station, "label": label}).drop_duplicates("station_id")
    batch = Batch()
    batch.add(
        "station",
        pd.DataFrame(
            {
                "station_id": names["station_id"],
                "network": "dki",
                "name": names["label"],
                "name_en": names["label"].str.extract(r"\((.*)\)", expand=False),
                "city_id": "ID-JK",
                "kind": "reference monitor",
            }
        ).sort_values("station_id"),
    )
    batch.add(
        "series", city_series("ispu", pd.Series(["ID-JK"] * len(f)), "daily", "index", station)
    )
    batch.add("observation", observations("ispu|ID-JK|" + station, ts, value))
    return batch


SPECS = [
    SourceSpec(
        source_id="iqair_pm25_annual",
        connector="air_files",
        publisher="IQAir World Air Quality Report (via Kaggle compilation)",
        title="IQAir city annual mean PM2.5, Taiwan, 2017–2021",
        url="https://www.iqair.com/world-air-quality-report",
        licence="© IQAir; reference statistics, not open data (no licence verified)",
        attribution="IQAir World Air Quality Report 2021, via Kgyoung01/Project-10",
        parse=parse_iqair,
        files=("air/history/iqair_taiwan_cities_pm25_2017-2021.csv",),
        third_party=True,
        note="Third-party aggregation, method undocumented. Fengyuan (Taichung), Xindian (New "
        "Taipei) and Yuanlin (Changhua) are districts kept as sub-city entities, not city values. "
        "IQAir 'Hsinchu' assumed to be Hsinchu City. 2021 monthly values not loaded.",
    ),
    SourceSpec(
        source_id="taipei_aqi_hourly",
        connector="air_files",
        publisher="Ministry of Environment (MOENV) Taiwan, AQX_P_488, processed by aguilarlleyda",
        title="Taipei City mean hourly AQI, 2016-11 to 2024-06",
        url="https://github.com/aguilarlleyda/taipei_air_quality",
        licence=OGDL,
        attribution="環境部 空氣品質指標(AQI)(歷史資料), via aguilarlleyda/taipei_air_quality (Apache-2.0)",
        parse=parse_taipei_aqi,
        files=("air/history/taipei_city_mean_aqi_hourly_2016-11-25_2024-06-30.parquet",),
        note="Mean over Taipei's stations, computed upstream. The 480 hours interpolated upstream "
        "and the 6 hours with aqi = -1 are not loaded (they count as missing in coverage).",
    ),
    SourceSpec(
        source_id="airbox_pm25_2017_03",
        connector="air_files",
        publisher="AirBox participatory sensing (Edimax, Academia Sinica, LASS), via R package SLBDD",
        title="AirBox low-cost PM2.5 sensors, hourly, March 2017 (516 devices)",
        url="https://github.com/cran/SLBDD",
        licence="GPL-3 (R package SLBDD 0.0.4)",
        attribution="Chen, L.-J. et al. (2017) IEEE Access 5:14441; data from SLBDD (Caro, Elias, Peña, Tsay)",
        parse=parse_airbox,
        parse_set=parse_airbox_set,
        files=AIRBOX_FILES,
        third_party=True,
        note="Low-cost sensors, not comparable with reference monitors. The package has no "
        "timestamps: hour_index 1..744 is assumed to be March 2017 hour by hour from "
        "2017-03-01 00:00 local time. City from the device's coordinates and the county "
        "boundaries; devices outside Taiwan's counties are kept in the device table only.",
    ),
    SourceSpec(
        source_id="jakarta_ispu_daily",
        connector="air_files",
        publisher="Dinas Lingkungan Hidup Provinsi DKI Jakarta (Satu Data Jakarta)",
        title="Jakarta daily ISPU per DKI station, 2010–2025",
        url="https://satudata.jakarta.go.id/",
        licence="Satu Data Jakarta open data (licence not verified)",
        attribution="DLH DKI Jakarta, ISPU, via yumairai/UTS_SoftCom (Kaggle ispu_dki_all)",
        parse=parse_jakarta_ispu,
        files=("air/indonesia/jakarta_ispu_dki_all_daily.csv",),
        note="Overall ISPU (the `max` column, an index). Large gaps; one row without a station "
        "is skipped. Station coordinates are not in the file.",
    ),
]
