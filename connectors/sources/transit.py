"""Metro ridership files: Kaohsiung MRT (KRTC) daily and per station, Taipei Metro (TRTC),
Taoyuan Airport MRT monthly.

Kaohsiung light rail is another connector's (kcg.py); the light-rail column of the
KRTC daily file is therefore not read here.
"""

from __future__ import annotations

import pandas as pd

from gosmart.connectors.core import OGDL, Batch, SourceSpec
from gosmart.connectors.errors import IngestError
from gosmart.connectors.sources._common import (
    UNLICENSED,
    city_series,
    dates,
    numbers,
    observations,
    read_csv,
    read_parquet,
    years,
)

KHH, TPE, TAO = "TW-KHH", "TW-TPE", "TW-TAO"


def _krtc_id(code: pd.Series) -> pd.Series:
    """KRTC station codes as one id: interchanges are 'O5/R10' in one file and 'O5-R10' in another."""
    return "krtc:" + code.str.strip().str.replace("/", "-", regex=False)


def _system_batch(city: str, grain: str, ts: pd.Series, value: pd.Series) -> Batch:
    """A city's system-wide metro riders per day: one `metro_ridership` series, entity 'city'."""
    series = city_series("metro_ridership", pd.Series([city]), grain, "riders/day")
    batch = Batch()
    batch.add("series", series)
    batch.add("observation", observations(series["series_id"].repeat(len(ts)), ts, value))
    return batch


def parse_krtc_daily(raw: bytes, location: str) -> Batch:
    """KRTC system riders per day; the file's trailing calendar placeholders are skipped."""
    sid = "krtc_daily_ridership"
    f = read_csv(raw, sid, location, ["日期", "捷運總運量"])
    value = numbers(f["捷運總運量"], sid, location, "捷運總運量", allow_empty=True)
    ts = dates(f["日期"], sid, location, "日期")
    keep = value.notna()
    return _system_batch(KHH, "daily", ts[keep], value[keep])


def parse_krtc_station_monthly(raw: bytes, location: str) -> Batch:
    """Average daily entries per KRTC station per month; station names from the latest month."""
    sid = "krtc_station_monthly"
    f = read_csv(raw, sid, location, ["stationId", "stationName", "period", "passengers"])
    value = numbers(f["passengers"], sid, location, "passengers")
    ts = dates(f["period"] + "-01", sid, location, "period")
    station = _krtc_id(f["stationId"])
    series = city_series(
        "metro_station_entries", pd.Series([KHH] * len(f)), "monthly", "riders/day", station
    )
    # TDX (tdx.py) is the register of KRTC stations, with coordinates; it lists an
    # interchange as two stations, so only the joint interchange ids are declared here.
    joint = station.str.contains("-", regex=False).to_numpy()
    latest = (
        f[joint]
        .assign(station_id=station[joint], ts=ts[joint])
        .sort_values("ts")
        .groupby("station_id")
        .tail(1)
    )
    stations = pd.DataFrame(
        {
            "station_id": latest["station_id"],
            "network": "krtc",
            "name": latest["stationName"].str.strip(),
            "city_id": KHH,
            "kind": "metro interchange",
        }
    )
    batch = Batch()
    batch.add("station", stations.sort_values("station_id").reset_index(drop=True))
    batch.add("series", series)
    batch.add(
        "observation", observations("metro_station_entries|" + KHH + "|" + station, ts, value)
    )
    return batch


def parse_krtc_station_annual(raw: bytes, location: str) -> Batch:
    """Annual entries per KRTC station, stated as average entries per day (entries / days in year)."""
    sid = "krtc_station_annual"
    f = read_csv(raw, sid, location, ["stationId", "period", "passengers"])
    entries = numbers(f["passengers"], sid, location, "passengers")
    year = years(f["period"], sid, location, "period")
    ts = pd.to_datetime(year.astype(str) + "-01-01")
    days = ts.dt.is_leap_year.map({True: 366, False: 365})
    station = _krtc_id(f["stationId"])
    series = city_series(
        "metro_station_entries", pd.Series([KHH] * len(f)), "annual", "riders/day", station
    )
    series["series_id"] = series["series_id"] + "|annual"
    batch = Batch()
    batch.add("series", series)
    batch.add(
        "observation",
        observations(
            "metro_station_entries|" + KHH + "|" + station + "|annual", ts, entries / days
        ),
    )
    return batch


def parse_trtc_daily_totals(raw: bytes, location: str) -> Batch:
    """Taipei Metro system entries per day."""
    sid = "trtc_daily_totals"
    f = read_csv(raw, sid, location, ["date", "entries"])
    value = numbers(f["entries"], sid, location, "entries")
    ts = dates(f["date"], sid, location, "date")
    return _system_batch(TPE, "daily", ts, value)


def parse_trtc_station_daily(raw: bytes, location: str) -> Batch:
    """Taipei Metro entries per station per day (exits are not loaded; empty cells are skipped)."""
    sid = "trtc_station_daily"
    f = read_parquet(raw, sid, location, ["date", "station", "direction", "count"])
    f = f[f["direction"] == "entries"]
    value = numbers(f["count"], sid, location, "count", allow_empty=True)
    keep = value.notna()
    f, value = f[keep], value[keep]
    ts = dates(f["date"], sid, location, "date", fmt="%Y-%m-%d")
    label = f["station"].astype(str).str.strip()
    names = pd.Series(sorted(label.unique()))
    stations = pd.DataFrame(
        {
            "station_id": "trtc:" + names,
            "network": "trtc",
            "name": names,
            "city_id": TPE,
            "kind": "metro",
        }
    )
    batch = Batch()
    batch.add("station", stations)
    batch.add(
        "series",
        city_series(
            "metro_station_entries",
            pd.Series([TPE] * len(names)),
            "daily",
            "riders/day",
            stations["station_id"],
        ),
    )
    batch.add(
        "observation", observations("metro_station_entries|" + TPE + "|trtc:" + label, ts, value)
    )
    return batch


def parse_tymetro_monthly(raw: bytes, location: str) -> Batch:
    """Taoyuan Airport MRT average riders per day in each month; years in the ROC calendar."""
    sid = "tymetro_monthly_ridership"
    f = read_csv(raw, sid, location, ["zhy", "m", "volume"])
    year = years(numbers(f["zhy"], sid, location, "zhy") + 1911, sid, location, "zhy")
    month = numbers(f["m"], sid, location, "m")
    bad = ~month.isin(range(1, 13))
    if bad.any():
        raise IngestError(sid, location, f"m: not a month {f['m'][bad].iloc[0]!r}")
    ts = pd.to_datetime(pd.DataFrame({"year": year, "month": month.astype(int), "day": 1}))
    if ts.duplicated().any():
        raise IngestError(sid, location, f"two rows for {ts[ts.duplicated()].iloc[0]:%Y-%m}")
    value = numbers(f["volume"], sid, location, "volume")
    return _system_batch(TAO, "monthly", ts, value)


SPECS = [
    SourceSpec(
        source_id="krtc_daily_ridership",
        connector="transit",
        publisher="Kaohsiung Rapid Transit Corporation (compiled by Liu-Chao-Tang)",
        title="Kaohsiung MRT daily ridership 2020–2025",
        url="https://github.com/Liu-Chao-Tang/Kaohsiung-Metro-Ridership-forecast-module",
        licence=UNLICENSED,
        attribution="高雄捷運公司 (KRTC) figures, compiled in Liu-Chao-Tang/Kaohsiung-Metro-Ridership-forecast-module",
        parse=parse_krtc_daily,
        files=("transit/krtc_daily_ridership_2020_2025.csv",),
        note="Secondary compilation of KRTC figures (upstream file not named). MRT total (捷運總運量) "
        "only; days after 2025-06-22 are empty in the source and skipped.",
    ),
    SourceSpec(
        source_id="krtc_station_monthly",
        connector="transit",
        publisher="Kaohsiung Rapid Transit Corporation (reposted on PTT MRT board)",
        title="KRTC average daily entries per station per month 2010–2026",
        url="https://github.com/Hmingsheng/kcg-metro-ridership",
        licence=UNLICENSED,
        attribution="高雄捷運公司 monthly figures as reposted in PTT MRT 「高雄捷運各站旅運量」 threads",
        parse=parse_krtc_station_monthly,
        files=("transit/krtc_station_monthly_avg_daily_entries_2010_2026.csv",),
        note="Secondary source: PTT reposts (each row keeps its post URL in the raw file). "
        "No posts for 2021-01 … 2021-10.",
    ),
    SourceSpec(
        source_id="krtc_station_annual",
        connector="transit",
        publisher="Kaohsiung City Government open data",
        title="KRTC station entries per year 2011–2024 (高雄都會區大眾捷運系統各站旅運量入站)",
        url="https://openapi.kcg.gov.tw/Api/Service/Get/1e595d78-2f73-4edd-9c17-7cce8c2d7ce9",
        licence=OGDL,
        attribution="高雄市政府 open data, via Hmingsheng/kcg-metro-ridership",
        parse=parse_krtc_station_annual,
        files=("transit/krtc_station_annual_entries_2011_2024.csv",),
        note="Annual entries divided by the days in the year to give average entries per day.",
    ),
    SourceSpec(
        source_id="trtc_daily_totals",
        connector="transit",
        publisher="Taipei Rapid Transit Corporation",
        title="Taipei Metro daily system entries 2019–2023",
        url="https://github.com/dlm589/taipei-mrt-ridership",
        licence=OGDL,
        attribution="臺北大眾捷運股份有限公司 (data.taipei), via dlm589/taipei-mrt-ridership",
        parse=parse_trtc_daily_totals,
        files=("transit/trtc_daily_system_totals_2019_2023.csv",),
        note="Sum of all station entries per day (computed in ../opendata from the station file).",
    ),
    SourceSpec(
        source_id="trtc_station_daily",
        connector="transit",
        publisher="Taipei Rapid Transit Corporation",
        title="Taipei Metro daily entries per station 2019–2023",
        url="https://github.com/dlm589/taipei-mrt-ridership",
        licence=OGDL,
        attribution="臺北大眾捷運股份有限公司 (data.taipei), via dlm589/taipei-mrt-ridership",
        parse=parse_trtc_station_daily,
        files=("transit/trtc_daily_station_entries_exits_2019_2023.parquet",),
        note="Entries only; empty cells are missing days. Station labels as in the source "
        "(板橋 in 2019 becomes BL板橋/Y板橋 from 2020).",
    ),
    SourceSpec(
        source_id="tymetro_monthly_ridership",
        connector="transit",
        publisher="Taoyuan Metro Corporation (presumed; compiled by vyytx)",
        title="Taoyuan Airport MRT average daily ridership per month 2019–2023 (每月桃園捷運平均日運量)",
        url="https://github.com/vyytx/dataViz",
        licence=UNLICENSED,
        attribution="桃園大眾捷運股份有限公司 figures (publisher not named upstream), compiled in "
        "vyytx/dataViz (src/data/taoyuanMRTVolume.csv)",
        parse=parse_tymetro_monthly,
        files=("transit/taoyuan_airport_mrt_monthly_avg_daily_ridership_2019_2023.csv",),
        note="Secondary compilation; the original publisher is presumably Taoyuan Metro "
        "Corporation (not verified). File mode only (no API known). The Airport MRT runs "
        "Taipei–New Taipei–Taoyuan and is stored under its operator's city (TW-TAO) as a "
        "comparison unit; a monthly series of riders per day, like the other metro_ridership "
        "series at monthly grain.",
    ),
]
