"""The registry: project files and events load into DuckDB; a bad file names itself and its field."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from gosmart.registry import (
    RegistryError,
    list_editions,
    list_events,
    list_projects,
    load_registry,
    parse_period,
)
from gosmart.resources import REGISTRY_DIR
from gosmart.store import connect_read, writing

WINNERS_2023 = {"newtaipay", "jds", "mengo", "taichung_aq", "ntpc_hrf"}


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """A private copy of the real registry that a test may break."""
    target = tmp_path / "registry"
    shutil.copytree(REGISTRY_DIR, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_registry_loads_into_duckdb(db_file):
    with writing(db_file) as con:
        counts = load_registry(con)
    con = connect_read(db_file)
    for table, n in counts.items():
        assert n > 0, table
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (n,)
    rows = con.execute(
        "SELECT project_id FROM project WHERE award_year = 2023 ORDER BY project_id"
    ).fetchall()
    assert {r[0] for r in rows} == WINNERS_2023
    comparison = con.execute(
        "SELECT comparison_cities FROM project_indicator "
        "WHERE project_id = 'ntpc_hrf' AND indicator_id = 'child_protection_records'"
    ).fetchone()[0]
    assert len(comparison) == 21 and "TW-NWT" not in comparison


def test_loading_twice_gives_the_same_tables(db_file):
    for _ in range(2):
        with writing(db_file) as con:
            load_registry(con)
    con = connect_read(db_file)
    assert con.execute("SELECT count(*) FROM project").fetchone()[0] == len(list_projects())
    assert con.execute("SELECT count(*) FROM event").fetchone()[0] == len(list_events())


def test_every_2023_winner_has_launch_window_sources_and_indicators_or_headline():
    projects = {p["project_id"]: p for p in list_projects() if p["award_year"] == 2023}
    assert set(projects) == WINNERS_2023
    for pid, p in projects.items():
        launch = p["launch"]
        assert launch is not None, pid
        assert launch["earliest"] <= launch["date"] <= launch["latest"], pid
        assert launch["confidence"] in {"confirmed", "reported", "inferred", "disputed"}
        assert any(d["kind"] == "launch" for d in p["dates"]), pid
        assert any(d["kind"] == "award" and d["date"] == date(2023, 4, 17) for d in p["dates"])
        assert all(d["source_url"].startswith("http") for d in p["dates"]), pid
        for key in ("story_en", "story_zh"):
            assert len([x for x in p[key].split("\n\n") if x.strip()]) == 2, (pid, key)
        headline = [i for i in p["indicators"] if i["role"] == "headline"]
        if p["data_status"] == "evidence":
            assert len(headline) == 1 and headline[0]["comparison_cities"], pid
        else:
            assert p["headline_metric"] and not headline, pid


def test_disputed_and_inferred_launches_are_marked():
    projects = {p["project_id"]: p for p in list_projects()}
    assert projects["newtaipay"]["launch"]["confidence"] == "disputed"
    assert projects["newtaipay"]["launch"]["latest"] == date(2022, 12, 31)
    assert projects["mengo"]["launch"]["confidence"] == "inferred"
    assert projects["taichung_aq"]["launch"]["earliest"] == date(2017, 1, 1)
    assert projects["jds"]["launch"]["date"] == date(2019, 7, 1)


def test_other_award_years_are_present_for_the_year_selector():
    years = {p["award_year"] for p in list_projects()}
    assert {2019, 2020, 2022, 2023, 2024} <= years
    for p in list_projects():
        if p["award_year"] != 2023:
            assert p["data_status"] == "award_only"
            assert any(d["kind"] == "award" for d in p["dates"])


def test_every_event_has_a_source_and_the_key_confounders_are_there():
    events = {e["event_id"]: e for e in list_events()}
    for e in events.values():
        assert e["source_url"].startswith("http"), e["event_id"]
    level3 = events["covid19_tw_level3_alert"]
    assert (level3["date_start"], level3["date_end"]) == (date(2021, 5, 19), date(2021, 7, 26))
    assert events["tpass_launch"]["date_start"] == date(2023, 7, 1)
    assert events["mohw_dataset_scope_change_2019"]["kind"] == "data_break"
    assert "UNVERIFIED" in events["epa_pm25_instrument_change_2020"]["note"]
    assert events["ppkm_darurat_java_bali"]["date_end"] == date(2021, 7, 20)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019", (date(2019, 1, 1), date(2019, 12, 31), "year")),
        ("2024-02", (date(2024, 2, 1), date(2024, 2, 29), "month")),
        ("2021-05-19", (date(2021, 5, 19), date(2021, 5, 19), "day")),
    ],
)
def test_parse_period(text, expected):
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["19", "2019-13", "2023-02-30", "May 2021", ""])
def test_parse_period_refuses_bad_text(text):
    with pytest.raises(ValueError):
        parse_period(text)


MENGO = "projects/2023/mengo.toml"


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (MENGO, 'city_id = "TW-KHH"', 'city_id = "TW-XXX"', "mengo.toml: city_id: 'TW-XXX'"),
        (
            MENGO,
            'indicator_id = "lrt_ridership"',
            'indicator_id = "tram_riders"',
            "mengo.toml: indicators[2]: indicator_id: 'tram_riders' is not in indicators.csv",
        ),
        (MENGO, 'name_zh = "MeNGo 2.0', 'nickname = "x', "mengo.toml: unknown field(s) nickname"),
        (
            MENGO,
            'agency_zh = "高雄市政府交通局"\n',
            "",
            "mengo.toml: agency_zh: missing (required)",
        ),
        (
            MENGO,
            'date = "2022-04-19"',
            'date = "2022-04-31"',
            "mengo.toml: dates[5]: date: bad date",
        ),
        (
            MENGO,
            'comparison_cities = ["TW-TPE"]',
            'comparison_cities = ["TW-KHH"]',
            "mengo.toml: indicators[0]: comparison_cities: lists the project's own city",
        ),
        (
            MENGO,
            'earliest = "2018"',
            'earliest = "2019"',
            "mengo.toml: launch: date: the default launch date lies outside",
        ),
        (
            MENGO,
            'source_url = "https://www.taiwannews.com.tw/en/news/4511946"',
            'source_url = "taiwannews 4511946"',
            "mengo.toml: dates[5]: source_url: not an http(s) URL",
        ),
        (MENGO, "award_year = 2023", "award_year = 2022", "mengo.toml: award_year"),
        (MENGO, 'role = "headline"', 'role = "main"', "mengo.toml: indicators[0]: role"),
        (MENGO, "[[dates]]", "[[dates]", "mengo.toml: not valid TOML"),
        (
            "events.csv",
            "covid19_tw_level3_alert,confounder,TW,,,2021-05-19",
            "covid19_tw_level3_alert,confounder,TW,,,2021-05-32",
            "events.csv line",
        ),
        (
            "events.csv",
            "klrt_full_circle,infrastructure,TW-KHH,mengo,",
            "klrt_full_circle,infrastructure,TW-KHH,mengo2,",
            "project_ids: unknown project(s) mengo2",
        ),
        (
            "events.csv",
            "https://taipeitimes.com/News/taiwan/archives/2023/07/02/2003802523",
            "",
            "source_url: missing or not an http(s) URL",
        ),
        ("cities.csv", "city_id,", "city,", "cities.csv: missing column(s) city_id"),
    ],
)
def test_bad_registry_files_name_the_file_and_field(registry, file, old, new, message):
    edit(registry / file, old, new)
    with pytest.raises(RegistryError) as err:
        list_events(registry)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_a_bad_registry_leaves_the_stored_tables_untouched(db_file, registry):
    with writing(db_file) as con:
        load_registry(con, registry)
    edit(registry / MENGO, 'city_id = "TW-KHH"', 'city_id = "Kaohsiung"')
    with pytest.raises(RegistryError), writing(db_file) as con:
        load_registry(con, registry)
    con = connect_read(db_file)
    assert con.execute("SELECT city_id FROM project WHERE project_id = 'mengo'").fetchone() == (
        "TW-KHH",
    )


def test_a_new_award_year_is_just_a_new_file(registry):
    (registry / "projects" / "2025").mkdir()
    (registry / "projects" / "2025" / "demo_city_app.toml").write_text(
        'award_year = 2025\nname_en = "Demo"\nname_zh = "示範"\ncity_id = "TW-TPE"\n'
        'data_status = "award_only"\n\n[[dates]]\nkind = "award"\ndate = "2025"\n'
        'label_en = "Award"\nlabel_zh = "得獎"\nsource_url = "https://example.org/a"\n'
        'confidence = "reported"\n',
        encoding="utf-8",
    )
    ids = [p["project_id"] for p in list_projects(registry)]
    assert ids[-1] == "demo_city_app"


def test_editions_list_every_year_and_say_when_winners_were_not_found(registry):
    editions = {e["award_year"]: e for e in list_editions()}
    assert editions[2021]["winners_found"] == "none"
    assert editions[2023]["winners_found"] == "all"
    assert {p["award_year"] for p in list_projects()} <= set(editions)
    edit(
        registry / "editions.csv",
        "2021,3,2021-03-24,ceremony,none",
        "2021,3,2021-03-24,ceremony,all",
    )
    with pytest.raises(RegistryError, match="editions.csv line 4: winners_found: 'all' but no"):
        list_editions(registry)


def test_status_headline_metric_groups_and_per_capita_are_loaded(db_file):
    with writing(db_file) as con:
        load_registry(con)
    con = connect_read(db_file)
    assert con.execute(
        "SELECT data_status, headline_metric, milestone_groups FROM project "
        "WHERE project_id = 'newtaipay'"
    ).fetchone() == ("reported_only", "newtaipay_members", ["context_tw_payments"])
    assert con.execute(
        "SELECT per_capita FROM project_indicator WHERE project_id = 'ntpc_hrf' "
        "AND indicator_id = 'child_protection_records'"
    ).fetchone() == (True,)


def _cities() -> dict[str, dict[str, str]]:
    from gosmart.registry import read_csv_rows

    rows = read_csv_rows(REGISTRY_DIR / "cities.csv", ["city_id", "country", "level", "parent_id"])
    return {r["city_id"]: r for r in rows}


def test_jds_is_west_java_against_the_other_provinces_with_wage_and_waste_as_context():
    jds = {p["project_id"]: p for p in list_projects()}["jds"]
    assert jds["data_status"] == "evidence" and jds["city_id"] == "ID-JB"
    roles = {i["indicator_id"]: i for i in jds["indicators"]}
    assert roles["ict_development_index"]["role"] == "headline"
    assert roles["internet_use_share"]["role"] == "target"
    assert {k for k, i in roles.items() if i["role"] == "context"} >= {
        "min_wage",
        "waste_generation",
    }
    cities = _cities()
    provinces = {c for c, r in cities.items() if r["country"] == "ID" and r["level"] == "province"}
    # the IP-TIK files list the 34 provinces of before the 2022 splits, Papua as one
    iptik = set(roles["ict_development_index"]["comparison_cities"])
    new_papua = {"ID-PA", "ID-PB", "ID-PS", "ID-PT", "ID-PE", "ID-PD"}
    assert iptik == provinces - {"ID-JB"} - new_papua and len(iptik) == 33
    assert set(roles["internet_use_share"]["comparison_cities"]) == provinces - {"ID-JB"}
    regencies = {c for c, r in cities.items() if r["parent_id"] == "ID-JB"}
    for context in ("min_wage", "waste_generation"):
        assert set(roles[context]["comparison_cities"]) == regencies and len(regencies) == 27
    assert all(i["launch"] is None for i in jds["indicators"])  # the project's July 2019


def test_newtaipay_has_taiwan_e_payment_as_national_context_only():
    newtaipay = {p["project_id"]: p for p in list_projects()}["newtaipay"]
    assert newtaipay["data_status"] == "reported_only"
    (users,) = newtaipay["indicators"]
    assert (users["indicator_id"], users["role"], users["grain"]) == (
        "epayment_users",
        "context",
        "monthly",
    )
    assert users["comparison_cities"] == ["TW"] and _cities()["TW"]["level"] == "country"
    assert "never by city" in users["note"]


def test_mengo_2_0_has_its_own_window_next_to_the_2018_pass(db_file):
    mengo = {p["project_id"]: p for p in list_projects()}["mengo"]
    assert (mengo["launch"]["earliest"], mengo["launch"]["latest"]) == (
        date(2018, 1, 1),
        date(2018, 12, 31),
    )
    metro = next(i for i in mengo["indicators"] if i["indicator_id"] == "metro_ridership")
    assert metro["comparison_cities"] == ["TW-TPE", "TW-TAO"]
    window = metro["launch"]
    assert (window["earliest"], window["date"], window["latest"]) == (
        date(2020, 6, 16),
        date(2021, 4, 1),
        date(2021, 4, 21),
    )
    assert window["confidence"] == "inferred" and "YouBike 2.0" in window["note_en"]
    bounds = {d["date"] for d in mengo["dates"] if d["kind"] == "phase"}
    assert {window["earliest"], window["latest"]} <= bounds  # each bound has its dated source
    with writing(db_file) as con:
        load_registry(con)
    con = connect_read(db_file)
    stored = con.execute(
        "SELECT indicator_id, launch_date, launch_date_min, launch_date_max, launch_confidence "
        "FROM project_indicator WHERE project_id = 'mengo' ORDER BY indicator_id"
    ).fetchall()
    assert stored[0][0] == "lrt_ridership" and stored[0][1:] == (None, None, None, None)
    assert stored[1][:4] == (
        "metro_ridership",
        date(2021, 4, 1),
        date(2020, 6, 16),
        date(2021, 4, 21),
    )
    assert stored[1][4].startswith("inferred: MeNGo 2.0")


def test_light_rail_openings_and_the_border_closure_are_mengo_confounders():
    events = {e["event_id"]: e for e in list_events()}
    openings = [e for e in events.values() if e["event_id"].startswith("klrt_")]
    assert len(openings) == 7  # 2016-07 to the full circle of 2024-01
    for e in openings:
        assert {"lrt_ridership", "metro_ridership", "metro_station_entries"} <= set(
            e["indicator_ids"]
        ), e["event_id"]
    border = events["tw_border_closed_to_foreigners"]
    assert (border["date_start"], border["date_end"]) == (date(2020, 3, 19), date(2022, 10, 12))
    assert border["kind"] == "confounder" and border["indicator_ids"] == ["metro_ridership"]
    assert "covid19.mohw.gov.tw" in border["note"]  # the reopening's own source


def test_an_indicator_launch_window_is_checked_like_the_project_one(registry):
    path = registry / MENGO
    edit(
        path,
        'date = "2021-04"\nearliest = "2020-06-16"',
        'date = "2019-04"\nearliest = "2020-06-16"',
    )
    with pytest.raises(
        RegistryError, match=r"mengo.toml: indicators\[1\]: launch: date: the default"
    ):
        list_projects(registry)


def test_a_context_indicator_has_no_launch_window(registry):
    path = registry / MENGO
    edit(
        path,
        'indicator_id = "lrt_ridership"\nrole = "target"\nexpected_direction = "up"',
        'indicator_id = "lrt_ridership"\nrole = "context"\nexpected_direction = "none"',
    )
    list_projects(registry)  # lrt_ridership, the last entry, reads as context
    with path.open("a", encoding="utf-8") as fh:  # a [launch] for that last entry
        fh.write('\n[indicators.launch]\ndate = "2018"\nearliest = "2018"\nlatest = "2018"\n'
                 'confidence = "reported"\nnote_en = "x"\n')  # fmt: skip
    with pytest.raises(RegistryError, match=r"indicators\[2\]: launch: a context indicator is not"):
        list_projects(registry)
