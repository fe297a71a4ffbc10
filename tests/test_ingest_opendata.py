"""The real files in ../shared/opendata: known figures come out of the store unchanged."""

from __future__ import annotations

import pytest

import gosmart.connectors.runner as runner
from gosmart.store import connect_read

pytestmark = pytest.mark.opendata

SOURCES = [
    "mohw_child_protection_2014_2018",
    "mohw_child_protection_2019_2023",
    "tw_household_population",
    "jabar_population_kabkota",
    "krtc_daily_ridership",
    "trtc_daily_totals",
    "iqair_pm25_annual",
    "jabar_waste",
    "fsc_epayment_institutions",
    "bps_iptik_2019_2020",
    "bps_iptik_2021_2022",
    "bps_iptik_2023_2024",
    "bps_internet_use_province",
    "tymetro_monthly_ridership",
]
# National totals per year, as stated in welfare/SOURCES.md.
NATIONAL = {
    2014: 18737,
    2015: 17386,
    2016: 13573,
    2017: 13138,
    2018: 12668,
    2019: 25862,
    2020: 33444,
    2021: 33888,
    2022: 37014,
    2023: 46861,
}
NEW_TAIPEI = [3354, 3199, 2226, 2260, 2130, 3595, 5076, 5011, 5282, 6485]


@pytest.fixture(scope="module")
def store(opendata, tmp_path_factory):
    db = tmp_path_factory.mktemp("real") / "real.duckdb"
    assert runner.run_ingest(db, sources=SOURCES, from_dir=opendata) == 0
    con = connect_read(db)
    yield con
    con.close()


def one(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchone()


def test_child_protection_totals_match_the_ministry(store):
    rows = store.execute(
        "SELECT year(period_start), sum(value), count(*) FROM indicator_value "
        "WHERE indicator_id = 'child_protection_records' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert {y: int(v) for y, v, _ in rows} == NATIONAL
    assert all(n == 22 for _, _, n in rows)  # every city every year, Tainan's old code folded in
    nwt = store.execute(
        "SELECT value FROM indicator_value WHERE indicator_id = 'child_protection_records' "
        "AND city_id = 'TW-NWT' ORDER BY period_start"
    ).fetchall()
    assert [int(v) for (v,) in nwt] == NEW_TAIPEI


def test_population_and_per_capita(store):
    assert one(
        store,
        "SELECT value FROM indicator_value WHERE indicator_id = 'population' "
        "AND city_id = 'TW-NWT' AND period_start = '2023-01-01'",
    ) == (4041120,)
    assert one(
        store,
        "SELECT value FROM indicator_value WHERE indicator_id = 'population' "
        "AND city_id = 'TW-TPE' AND period_start = '2023-01-01'",
    ) == (2511886,)
    (rate,) = one(
        store,
        "SELECT value_per_capita FROM indicator_value WHERE "
        "indicator_id = 'child_protection_records' AND city_id = 'TW-NWT' "
        "AND period_start = '2023-01-01'",
    )
    assert rate == pytest.approx(6485 / 4041120 * 10000)
    assert one(
        store,
        "SELECT count(DISTINCT city_id) FROM indicator_value "
        "WHERE indicator_id = 'population' AND city_id LIKE 'ID-JB%'",
    ) == (28,)


def test_ridership_and_iqair(store):
    assert one(
        store,
        "SELECT value FROM indicator_value WHERE indicator_id = 'metro_ridership' "
        "AND city_id = 'TW-KHH' AND grain = 'daily' AND period_start = '2020-01-01'",
    ) == (205283,)
    assert one(
        store,
        "SELECT value FROM indicator_value WHERE indicator_id = 'metro_ridership' "
        "AND city_id = 'TW-TPE' AND grain = 'daily' AND period_start = '2019-01-01'",
    ) == (1626713,)
    taichung = store.execute(
        "SELECT value FROM indicator_value WHERE indicator_id = 'pm25_iqair' AND city_id = 'TW-TXG' "
        "ORDER BY period_start"
    ).fetchall()
    assert [v for (v,) in taichung] == [20.3, 19.2, 18.0, 15.5, 17.1]  # not Fengyuan's 22.2


def test_new_series_reach_the_city_values(store):
    # Taiwan's e-payment users at the end of each year: December's total over institutions
    assert one(
        store,
        "SELECT value FROM indicator_value WHERE indicator_id = 'epayment_users' "
        "AND city_id = 'TW' AND grain = 'annual' AND period_start = '2019-01-01'",
    ) == (6919882,)
    # ... and the missing 2023-06 shows as lower coverage, not as a filled-in month
    assert one(
        store,
        "SELECT coverage FROM indicator_value WHERE indicator_id = 'epayment_users' "
        "AND city_id = 'TW' AND grain = 'annual' AND period_start = '2023-01-01'",
    ) == (pytest.approx(11 / 12),)
    sources = store.execute(
        "SELECT year(period_start), value, source_id FROM indicator_value "
        "WHERE indicator_id = 'ict_development_index' AND city_id = 'ID-JB' ORDER BY 1"
    ).fetchall()
    assert [(y, v) for y, v, _ in sources] == [
        (2019, 5.86),
        (2020, 6.0),
        (2021, 6.08),
        (2022, 6.16),
        (2023, 6.15),
        (2024, 6.33),
    ]
    assert [s for *_, s in sources][::2] == [
        "bps_iptik_2019_2020",
        "bps_iptik_2021_2022",
        "bps_iptik_2023_2024",
    ]
    assert one(
        store,
        "SELECT count(DISTINCT city_id) FROM indicator_value WHERE indicator_id = "
        "'internet_use_share' AND period_start = '2024-01-01'",
    ) == (39,)  # 38 provinces and Indonesia
    assert one(
        store,
        "SELECT value FROM indicator_value WHERE indicator_id = 'metro_ridership' "
        "AND city_id = 'TW-TAO' AND grain = 'monthly' AND period_start = '2023-09-01'",
    ) == (100648,)
