"""The file parsers: right values from fixtures in the real files' shape, one clear error on bad input."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest

from gosmart.connectors.catalog import all_specs
from gosmart.connectors.errors import IngestError
from gosmart.connectors.sources import _common, air_files, fsc, jabar, population, transit, welfare

FIX = Path(__file__).parent / "fixtures" / "files" / "opendata"


def raw(rel: str) -> bytes:
    return (FIX / rel).read_bytes()


def obs(batch) -> dict[tuple[str, str], float]:
    f = batch.tables["observation"]
    return {
        (s, str(pd.Timestamp(t))): v
        for s, t, v in zip(f["series_id"], f["ts"], f["value"], strict=True)
    }


def test_krtc_daily_skips_placeholders():
    b = transit.parse_krtc_daily(raw("transit/krtc_daily_ridership_2020_2025.csv"), "x.csv")
    values = obs(b)
    assert values[("metro_ridership|TW-KHH|city", "2020-01-01 00:00:00")] == 205283
    assert len(values) == 3  # the empty 2025-12-31 placeholder is not a zero


def test_krtc_station_monthly_and_annual_share_station_ids():
    m = transit.parse_krtc_station_monthly(
        raw("transit/krtc_station_monthly_avg_daily_entries_2010_2026.csv"), "m.csv"
    )
    a = transit.parse_krtc_station_annual(
        raw("transit/krtc_station_annual_entries_2011_2024.csv"), "a.csv"
    )
    assert set(m.tables["series"]["entity_id"]) == {"krtc:R3", "krtc:O5-R10"}
    assert set(a.tables["series"]["entity_id"]) == {"krtc:R3", "krtc:O5-R10"}
    assert m.tables["station"]["station_id"].tolist() == ["krtc:O5-R10"]
    assert m.tables["station"]["name"].tolist() == ["美麗島"]  # the latest name
    annual = obs(a)
    assert annual[("metro_station_entries|TW-KHH|krtc:R3|annual", "2011-01-01 00:00:00")] == (
        pytest.approx(2069422 / 365)
    )
    assert annual[("metro_station_entries|TW-KHH|krtc:R3|annual", "2012-01-01 00:00:00")] == (
        pytest.approx(2196000 / 366)
    )


def test_trtc_station_entries_only_and_empty_cells_skipped():
    b = transit.parse_trtc_station_daily(
        raw("transit/trtc_daily_station_entries_exits_2019_2023.parquet"), "t.parquet"
    )
    values = obs(b)
    assert values == {
        ("metro_station_entries|TW-TPE|trtc:松山機場", "2019-01-01 00:00:00"): 4000,
        ("metro_station_entries|TW-TPE|trtc:松山機場", "2019-01-02 00:00:00"): 5000,
        ("metro_station_entries|TW-TPE|trtc:BL板橋", "2019-01-02 00:00:00"): 30000,
    }
    assert sorted(b.tables["station"]["station_id"]) == ["trtc:BL板橋", "trtc:松山機場"]


def test_trtc_totals():
    b = transit.parse_trtc_daily_totals(
        raw("transit/trtc_daily_system_totals_2019_2023.csv"), "t.csv"
    )
    assert obs(b)[("metro_ridership|TW-TPE|city", "2019-01-02 00:00:00")] == 2251877


def test_taoyuan_airport_mrt_roc_years_and_months():
    b = transit.parse_tymetro_monthly(
        raw("transit/taoyuan_airport_mrt_monthly_avg_daily_ridership_2019_2023.csv"), "t.csv"
    )
    values = obs(b)
    assert values[("metro_ridership|TW-TAO|city", "2019-01-01 00:00:00")] == 69360  # 108,1
    assert values[("metro_ridership|TW-TAO|city", "2023-09-01 00:00:00")] == 100648  # 112,9
    series = b.tables["series"].iloc[0]
    assert (series["grain"], series["unit"]) == ("monthly", "riders/day")


@pytest.mark.parametrize(
    "row,problem", [("108,13,1", "m: not a month '13'"), ("108,1,5", "two rows for 2019-01")]
)
def test_taoyuan_airport_mrt_bad_months_are_refused(row, problem):
    data = raw("transit/taoyuan_airport_mrt_monthly_avg_daily_ridership_2019_2023.csv")
    with pytest.raises(IngestError, match=problem):
        transit.parse_tymetro_monthly(data + b"\r\n" + row.encode(), "t.csv")


def test_welfare_counts_records_per_city_and_year():
    b = welfare.parse_cases_2014_2018(
        raw("welfare/mohw_child_youth_protection_cases_2014_2018.parquet"), "w.parquet"
    )
    values = obs(b)
    assert values[("child_protection_records|TW-NWT|city", "2014-01-01 00:00:00")] == 2
    # the old Tainan County code and the old Tainan City code both count for Tainan
    assert values[("child_protection_records|TW-TNN|city", "2014-01-01 00:00:00")] == 1
    assert values[("child_protection_records|TW-TNN|city", "2015-01-01 00:00:00")] == 1


def test_welfare_code_mapping():
    assert welfare.city_of_code("6500000000") == "TW-NWT"
    assert welfare.city_of_code("1001100000") == "TW-TNN"
    assert welfare.city_of_code("0902000000") == "TW-KIN"
    assert welfare.city_of_code("6500100000") is None  # a district, not a city
    assert welfare.city_of_code("garbage") is None


def test_welfare_unknown_code_is_refused(tmp_path):
    frame = pd.DataFrame({"OWNERCITYCODE": ["9999900000"], "RECEIVEYYYY": ["2020"]})
    buf = io.BytesIO()
    frame.to_parquet(buf)
    with pytest.raises(IngestError, match="OWNERCITYCODE not a known city"):
        welfare.parse_cases_2019_2023(buf.getvalue(), "w.parquet")


def test_taiwan_population():
    b = population.parse_taiwan_population(
        raw("population/taiwan_household_registered_population_by_city_yearend.csv"), "p.csv"
    )
    assert obs(b)[("population|TW-NWT|city", "2023-12-31 00:00:00")] == 4041120


def test_west_java_population_sums_sexes_and_province():
    b = population.parse_west_java_population(
        raw("population/west_java_population_by_sex_kabkota_2013_2023.csv"), "p.csv"
    )
    values = obs(b)
    assert values[("population|ID-JB-3273|city", "2023-12-31 00:00:00")] == 1000 + 900 + 2 * 3273
    codes = [3201 + k for k in range(18)] + [3271 + k for k in range(9)]
    assert values[("population|ID-JB|city", "2023-12-31 00:00:00")] == sum(
        1900 + 2 * c for c in codes
    )


def test_west_java_population_one_sex_missing_is_refused():
    text = raw("population/west_java_population_by_sex_kabkota_2013_2023.csv").decode()
    lines = text.splitlines(keepends=True)
    with pytest.raises(IngestError, match="one sex missing"):
        population.parse_west_java_population("".join(lines[:-1]).encode(), "p.csv")


def test_jabar_empty_rows_skipped():
    b = jabar.parse_waste(raw("jabar/opendatajabar_produksi_sampah_kabkota_2015_2023.csv"), "w")
    assert obs(b) == {("waste_generation|ID-JB-3201|city", "2015-01-01 00:00:00"): 1511.15}
    w = jabar.parse_min_wage(raw("jabar/opendatajabar_upah_minimum_kabkota_2017_2024.csv"), "w")
    assert obs(w)[("min_wage|ID-JB-3273|city", "2017-01-01 00:00:00")] == 2843662.5


def test_iqair_annual_only_and_districts_kept_apart():
    b = air_files.parse_iqair(raw("air/history/iqair_taiwan_cities_pm25_2017-2021.csv"), "i.csv")
    values = obs(b)
    assert values == {
        ("pm25_iqair|TW-TXG|city", "2017-01-01 00:00:00"): 20.3,
        ("pm25_iqair|TW-TXG|city", "2018-01-01 00:00:00"): 19.2,
        ("pm25_iqair|TW-TXG|iqair:Fengyuan", "2019-01-01 00:00:00"): 22.2,
    }
    assert b.tables["station"]["kind"].tolist() == ["district"]


def test_taipei_aqi_drops_interpolated_and_placeholder_hours():
    b = air_files.parse_taipei_aqi(
        raw("air/history/taipei_city_mean_aqi_hourly_2016-11-25_2024-06-30.parquet"), "a"
    )
    assert sorted(obs(b).values()) == [27.0, 40.0]


def test_airbox_set_maps_hours_and_cities():
    files = {name: raw(name) for name in air_files.AIRBOX_FILES}
    b = air_files.parse_airbox_set(files)
    values = obs(b)
    assert values == {
        ("pm25_lowcost|TW-TXG|airbox:V2", "2017-03-01 00:00:00"): 10.0,
        ("pm25_lowcost|TW-TXG|airbox:V2", "2017-03-01 01:00:00"): 20.0,
        ("pm25_lowcost|TW-TXG|airbox:V3", "2017-03-31 23:00:00"): 30.0,
    }
    st = b.tables["station"].set_index("station_id")
    assert pd.isna(st.loc["airbox:V1", "city_id"])  # Singapore: kept as a device, no city


def test_locate_point_in_polygon():
    square = {
        "features": [
            {
                "properties": {"iso_3166_2": "X"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]],
                },
            }
        ]
    }
    import numpy as np

    assert air_files.locate(np.array([0.5, 2.0]), np.array([0.5, 0.5]), square) == ["X", None]


def test_jakarta_ispu_skips_row_without_station():
    b = air_files.parse_jakarta_ispu(raw("air/indonesia/jakarta_ispu_dki_all_daily.csv"), "j")
    values = obs(b)
    assert values[("ispu|ID-JK|dki:DKI1", "2010-01-01 00:00:00")] == 73.0
    assert len(values) == 3
    assert b.tables["station"]["name_en"].tolist() == ["Bunderan HI", "Kelapa Gading"]


# --- bad input: one clear IngestError naming the source and the file -------------------------

CSV_PARSERS = [
    (transit.parse_krtc_daily, "transit/krtc_daily_ridership_2020_2025.csv", "捷運總運量"),
    (
        transit.parse_krtc_station_monthly,
        "transit/krtc_station_monthly_avg_daily_entries_2010_2026.csv",
        "passengers",
    ),
    (
        transit.parse_krtc_station_annual,
        "transit/krtc_station_annual_entries_2011_2024.csv",
        "passengers",
    ),
    (transit.parse_trtc_daily_totals, "transit/trtc_daily_system_totals_2019_2023.csv", "entries"),
    (
        population.parse_taiwan_population,
        "population/taiwan_household_registered_population_by_city_yearend.csv",
        "population",
    ),
    (
        population.parse_west_java_population,
        "population/west_java_population_by_sex_kabkota_2013_2023.csv",
        "jumlah_penduduk",
    ),
    (
        jabar.parse_min_wage,
        "jabar/opendatajabar_upah_minimum_kabkota_2017_2024.csv",
        "upah_minimum",
    ),
    (
        jabar.parse_waste,
        "jabar/opendatajabar_produksi_sampah_kabkota_2015_2023.csv",
        "produksi_sampah",
    ),
    (air_files.parse_iqair, "air/history/iqair_taiwan_cities_pm25_2017-2021.csv", "pm25_ugm3"),
    (air_files.parse_jakarta_ispu, "air/indonesia/jakarta_ispu_dki_all_daily.csv", "max"),
    (
        transit.parse_tymetro_monthly,
        "transit/taoyuan_airport_mrt_monthly_avg_daily_ridership_2019_2023.csv",
        "volume",
    ),
    (fsc.parse_fsc, "payments/fsc_epayment_institutions_monthly_2018_2025.csv", "使用者人數"),
    (
        all_specs()["bps_iptik_2021_2022"].parse,
        "indonesia/bps_iptik_subindex_province_2021_2022.csv",
        "Indeks Pembangunan TIK (2021)",
    ),
]


@pytest.mark.parametrize("parse,rel,column", CSV_PARSERS, ids=[p[1] for p in CSV_PARSERS])
def test_missing_column(parse, rel, column):
    frame = pd.read_csv(FIX / rel, dtype=str, keep_default_na=False)
    bad = frame.drop(columns=[column]).to_csv(index=False).encode()
    with pytest.raises(IngestError, match=f"missing column.*{re.escape(column)}") as err:
        parse(bad, rel)
    assert rel in str(err.value)


@pytest.mark.parametrize("parse,rel,column", CSV_PARSERS, ids=[p[1] for p in CSV_PARSERS])
def test_non_numeric_value(parse, rel, column):
    frame = pd.read_csv(FIX / rel, dtype=str, keep_default_na=False)
    frame.loc[0, column] = "n/a?"
    with pytest.raises(IngestError, match="not a number: 'n/a\\?'"):
        parse(frame.to_csv(index=False).encode(), rel)


@pytest.mark.parametrize("parse,rel,column", CSV_PARSERS, ids=[p[1] for p in CSV_PARSERS])
def test_garbage_bytes(parse, rel, column):
    with pytest.raises(IngestError):
        parse(b"\xff\xfe\x00garbage\x81\x82", rel)
    with pytest.raises(IngestError, match="empty file"):
        parse(b"", rel)


@pytest.mark.parametrize("parse,rel,column", CSV_PARSERS, ids=[p[1] for p in CSV_PARSERS])
def test_a_row_with_a_cell_missing_is_refused_not_read_as_empty(parse, rel, column):
    text = (FIX / rel).read_text(encoding="utf-8").splitlines()
    text[1] = text[1].rsplit(",", 1)[0]
    with pytest.raises(IngestError, match="malformed CSV: .*Expected .* columns"):
        parse("\n".join(text).encode(), rel)


def test_csv_cells_are_read_as_published():
    """Quoted commas and line breaks stay in their cell, empty cells stay '' and words that
    other readers take for missing ('NA', 'null') stay text; a BOM is dropped."""
    raw = '\ufeffid,name,note\n1,"Kaohsiung, Xinxing","two\nlines"\n2,,NA\n3,null,\n'.encode()
    frame = _common.read_csv(raw, "src", "f.csv", ["id", "name"])
    assert frame.to_dict("list") == {
        "id": ["1", "2", "3"],
        "name": ["Kaohsiung, Xinxing", "", "null"],
        "note": ["two\nlines", "NA", ""],
    }


def test_a_csv_naming_a_column_twice_is_refused():
    with pytest.raises(IngestError, match="src: f.csv: column\\(s\\) named twice: value"):
        _common.read_csv(b"value,city,value\n1,TPE,2\n", "src", "f.csv")


PARQUET_PARSERS = [
    (
        transit.parse_trtc_station_daily,
        "transit/trtc_daily_station_entries_exits_2019_2023.parquet",
        "count",
    ),
    (
        welfare.parse_cases_2014_2018,
        "welfare/mohw_child_youth_protection_cases_2014_2018.parquet",
        "RECEIVETIMEYEAR",
    ),
    (
        welfare.parse_cases_2019_2023,
        "welfare/mohw_child_youth_protection_cases_2019_2023.parquet",
        "OWNERCITYCODE",
    ),
    (
        air_files.parse_taipei_aqi,
        "air/history/taipei_city_mean_aqi_hourly_2016-11-25_2024-06-30.parquet",
        "aqi",
    ),
]


@pytest.mark.parametrize(
    "parse,rel,column", PARQUET_PARSERS, ids=[p[0].__name__ for p in PARQUET_PARSERS]
)
def test_parquet_truncated_and_missing_column(parse, rel, column):
    data = raw(rel)
    with pytest.raises(IngestError, match="unreadable Parquet"):
        parse(data[: len(data) // 2], rel)
    buf = io.BytesIO()
    pd.read_parquet(FIX / rel).drop(columns=[column]).to_parquet(buf)
    with pytest.raises(IngestError, match=f"missing column.*{column}"):
        parse(buf.getvalue(), rel)


def test_airbox_hour_outside_march_is_refused():
    files = {name: raw(name) for name in air_files.AIRBOX_FILES}
    frame = pd.read_parquet(FIX / air_files.AIRBOX_FILES[0])
    frame.loc[0, "hour_index"] = 745
    buf = io.BytesIO()
    frame.to_parquet(buf)
    files[air_files.AIRBOX_FILES[0]] = buf.getvalue()
    with pytest.raises(IngestError, match="hour_index outside"):
        air_files.parse_airbox_set(files)


def test_every_file_spec_has_provenance():
    mine = {"transit", "welfare", "population", "jabar", "air_files"}
    specs = [s for s in all_specs().values() if s.connector in mine]
    assert len(specs) == 16
    for s in specs:
        assert s.publisher and s.licence and s.attribution and s.files
        for rel in s.files:
            assert (FIX / rel).is_file(), rel
    third = {s.source_id for s in specs if s.third_party}
    assert third == {"iqair_pm25_annual", "airbox_pm25_2017_03"}


def test_numbers_keep_missing_missing_and_refuse_words():
    col = pd.Series(["1,005,564", "", "-", " 12.5 ", "—"])
    got = _common.numbers(col, "src", "f.csv", "n", allow_empty=True)
    assert got.iloc[0] == 1005564 and got.iloc[3] == 12.5
    assert got.isna().tolist() == [False, True, True, False, True]
    with pytest.raises(IngestError, match=r"^src: f.csv: n: 3 empty cell\(s\)$"):
        _common.numbers(col, "src", "f.csv", "n")
    for word in ("12 km", "1e5", "1,2345", "n/a"):
        with pytest.raises(IngestError, match=f"n: not a number: '{word}'"):
            _common.numbers(pd.Series(["1", word]), "src", "f.csv", "n")
    with pytest.raises(IngestError, match="n: expected a number, got dict"):
        _common.numbers(pd.Series([1, {"v": 2}], dtype=object), "src", "f.csv", "n")


def test_whole_column_numbers_match_the_cell_rules():
    """Clean text columns take a whole-column path; it must give what the cell rules give."""
    cells = ["1,005,564", "", "-", " 12.5 ", "—", "+4", "-3", ".5", "0"] * 50
    col = pd.Series(cells, dtype="str")
    assert _common._plain_numbers(col) is not None  # the fast path is the one under test
    fast = _common.numbers(col, "src", "f.csv", "n", allow_empty=True)
    cell_by_cell = [_common.to_number(c, "src", "f.csv", "n") for c in cells]
    assert fast.tolist() == pytest.approx(
        [float("nan") if v is None else v for v in cell_by_cell], nan_ok=True
    )
    # digits outside ASCII are numbers to Python: they take the cell rules, not the fast path
    wide = pd.Series(["１２", "3"], dtype="str")
    assert _common._plain_numbers(wide) is None
    assert _common.numbers(wide, "src", "f.csv", "n").tolist() == [12.0, 3.0]


def test_city_names_fold_tai_and_stay_in_taiwan():
    assert _common.city_from_zh(" 台中市", "src", "f") == _common.city_from_zh("臺中市", "s", "f")
    with pytest.raises(IngestError, match="county '雅加達首都特區' is not in the city registry"):
        _common.city_from_zh("雅加達首都特區", "src", "f")
