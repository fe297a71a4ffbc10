"""Indonesian provinces as compare and map units: a store ingested from the BPS file fixtures
(tests/fixtures/files/opendata/indonesia, the real files' exact shape, synthetic values)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import gosmart.connectors.runner as runner
from tests.conftest import use_store
from tests.dash_pages import find_by_id, page_module

FILES = Path(__file__).parent / "fixtures" / "files" / "opendata"
BPS = ["bps_iptik_2019_2020", "bps_iptik_2021_2022", "bps_iptik_2023_2024"]
ICT = "ict_development_index"


@pytest.fixture(scope="module")
def bps_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    db = tmp_path_factory.mktemp("bps") / "gosmart.duckdb"
    sources = [*BPS, "bps_internet_use_province", "tw_household_population"]
    assert runner.run_ingest(db, sources=sources, from_dir=FILES) == 0
    with pytest.MonkeyPatch.context() as mp:
        use_store(mp, db)
        yield db


def _state(**values: object) -> dict:
    from gosmart.dashboard import queries_compare as qc
    from gosmart.dashboard.urlstate import decode

    state, _ = decode(qc.COMPARE_VIEW, {})
    return {**state, **values}


def test_the_picker_lists_the_units_with_data_nation_first(bps_store):
    from gosmart.dashboard import queries_compare as qc

    units = [r["city_id"] for r in qc.unit_options(ICT, ["TW-TPE"])]
    assert units[0] == "TW-TPE"  # a chosen unit stays listed (as having no data)
    assert units[1] == "ID" and {"ID-JB", "ID-JK", "ID-PA-PRE2022"} <= set(units)
    assert not {"TW-NWT", "ID-JB-3273", "ID-PS"} & set(units)  # no ICT values in the files
    compare = page_module("compare")
    labels = {o["value"]: o["label"] for o in find_by_id(
        compare.render(_state(ind=ICT, cities=["ID-JB", "TW-TPE"]), []), "compare-cities"
    ).options}  # fmt: skip
    assert labels["ID"] == "Indonesia · national total"
    assert labels["ID-JB"] == "West Java · province"
    assert labels["TW-TPE"].endswith("· no data")


def test_an_indonesian_indicator_replaces_cities_without_data_by_its_registered_units(bps_store):
    from gosmart.dashboard import queries_compare as qc

    compare = page_module("compare")
    state = compare.state_from_controls(
        "?cities=TW-TPE,TW-KHH", ICT, ["TW-TPE", "TW-KHH"], None, "auto", [], "chart", "compare-ind"
    )
    # JDS's city, then the provinces its registry entry names, Java's first, with data here
    assert state["cities"] == ["ID-JB", "ID-JK", "ID-YO", "ID-AC", "ID-BB", "ID-KR"]
    assert qc.default_units(ICT) == state["cities"]
    # the default Taiwanese cities give way to them when a link names only the indicator
    drawn = compare.render(_state(ind=ICT), [])
    assert find_by_id(drawn, "compare-cities").value == state["cities"]
    assert find_by_id(drawn, "compare-graph") is not None


def test_the_compare_map_draws_the_chosen_provinces_and_old_papua(bps_store):
    compare = page_module("compare")
    cities = ["ID-JB", "ID-JK", "ID-PA-PRE2022"]
    graph = find_by_id(compare.render(_state(ind=ICT, cities=cities, tab="map"), []), "compare-map")
    traces = [tr for tr in graph.figure["data"] if tr["type"] == "choropleth"]
    base, values = traces
    assert {"32", "31", "91+93+94+95", "94"} <= set(base["locations"])  # all of Indonesia
    assert set(values["locations"]) == {"32", "31", "91+93+94+95"}
    assert any("West Java" in text for text in values["text"])


def test_the_map_page_shows_every_province_with_a_value(bps_store):
    map_page = page_module("map")
    view = map_page.map_view({"lang": "en", "ind": ICT, "year": 2020, "pc": False})
    assert view["year"] == 2020
    (values,) = [tr for tr in view["figure"]["data"] if tr.get("coloraxis")]
    shown = dict(zip(values["locations"], values["z"], strict=True))
    assert shown["32"] == pytest.approx(6.0) and shown["31"] == pytest.approx(7.46)
    assert "91+93+94+95" in shown  # Papua's pre-2022 value on its pre-2022 territory
    assert view["cities"][0] == "ID-JK"  # the link to compare starts with the highest value
    assert len(shown) == 8 and len(view["cities"]) == 9  # Indonesia's total: no boundary
