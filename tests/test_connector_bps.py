"""BPS province tables: decimal commas, BPS names and codes, title lines, '-', the Papua splits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import gosmart.connectors.runner as runner
from gosmart.connectors.catalog import all_specs
from gosmart.connectors.errors import IngestError
from gosmart.connectors.sources import bps
from gosmart.registry import read_csv_rows
from gosmart.resources import GEO_DIR, REGISTRY_DIR
from gosmart.store import connect_read

FIX = Path(__file__).parent / "fixtures" / "files" / "opendata"
INTERNET = "indonesia/bps_internet_access_pop5plus_province_2020_2024.csv"
IPTIK = {
    "bps_iptik_2019_2020": "indonesia/bps_iptik_province_2019_2020.csv",
    "bps_iptik_2021_2022": "indonesia/bps_iptik_subindex_province_2021_2022.csv",
    "bps_iptik_2023_2024": "indonesia/bps_iptik_subindex_province_2023_2024.csv",
}


def parse(source_id: str, data: bytes | None = None, rel: str | None = None):
    spec = all_specs()[source_id]
    rel = rel or spec.files[0]
    return spec.parse(data if data is not None else (FIX / rel).read_bytes(), rel)


def values(batch) -> dict[tuple[str, int], float]:
    o = batch.tables["observation"]
    return {(s, t.year): v for s, t, v in zip(o["series_id"], o["ts"], o["value"], strict=True)}


def test_decimal_commas_and_unquoted_whole_numbers():
    v = values(parse("bps_iptik_2019_2020"))
    assert v[("ict_development_index|ID-JB|city", 2019)] == 5.86  # "5,86"
    assert v[("ict_development_index|ID-JB|city", 2020)] == 6.0  # 6, unquoted
    assert v[("ict_development_index|ID|city", 2020)] == 5.59  # INDONESIA


def test_the_sub_indices_are_their_own_indicators():
    v = values(parse("bps_iptik_2023_2024"))
    assert v[("ict_subindex_access|ID-JB|city", 2024)] == 6.69
    assert v[("ict_subindex_use|ID-JB|city", 2023)] == 6.0
    assert v[("ict_subindex_skills|ID-JB|city", 2024)] == 5.86
    assert v[("ict_development_index|ID-JB|city", 2024)] == 6.33
    units = set(parse("bps_iptik_2021_2022").tables["series"]["unit"])
    assert units == {"index (0–10)"}


@pytest.mark.parametrize(
    "label,city",
    [
        ("32. Jawa Barat", "ID-JB"),
        ("21. Kepulauan Riau", "ID-KR"),
        ("21. Kep. Riau", "ID-KR"),
        ("KEP. RIAU", "ID-KR"),
        ("19. Kep. Bangka Belitung", "ID-BB"),
        ("DKI JAKARTA", "ID-JK"),
        ("31. DKI Jakarta", "ID-JK"),
        ("DI YOGYAKARTA", "ID-YO"),
        ("JAWA BARAT", "ID-JB"),
        ("94. Papua", "ID-PA"),  # BPS 94; the boundary file's code for Papua is 91
        ("91. Papua Barat", "ID-PB"),
        ("PAPUA BARAT DAYA", "ID-PD"),
        ("Indonesia", "ID"),
    ],
)
def test_bps_names_and_codes_find_the_registry_province(label, city):
    assert bps.province_id(label, "src", "f.csv") == city


@pytest.mark.parametrize(
    "label,problem",
    [
        ("33. Jawa Barat", "BPS code 33 is Jawa Tengah in the registry"),
        ("99. Atlantis", "no BPS code 99"),
        ("ATLANTIS", "'ATLANTIS' is not in the city registry"),
    ],
)
def test_a_province_the_registry_does_not_know_is_refused(label, problem):
    with pytest.raises(IngestError, match=f"^src: f.csv: province .*{problem}"):
        bps.province_id(label, "src", "f.csv")


def test_title_lines_and_notes_around_the_web_export():
    b = parse("bps_internet_use_province")
    v = values(b)
    assert v[("internet_use_share|ID-JB|city", 2020)] == 59.9
    assert v[("internet_use_share|ID-YO|city", 2021)] == 74.0
    assert v[("internet_use_share|ID|city", 2024)] == 72.78
    assert set(b.tables["series"]["unit"]) == {"%"}


def test_a_province_that_did_not_exist_yet_is_missing_and_counted():
    b = parse("bps_internet_use_province")
    assert b.markers == {"-": 14}
    years = {y for s, y in values(b) if s == "internet_use_share|ID-PT|city"}
    assert years == {2024}


def test_papua_split_parents_keep_their_borders_apart():
    v = values(parse("bps_internet_use_province"))

    def years(city: str) -> dict[int, float]:
        return {y: x for (s, y), x in v.items() if s == f"internet_use_share|{city}|city"}

    assert years("ID-PA-PRE2022") == {2020: 25.52, 2021: 26.49, 2022: 26.32, 2023: 29.87}
    assert years("ID-PA") == {2024: 62.24}  # today's Papua, without the three new provinces
    assert years("ID-PB-PRE2022") == {2020: 50.21, 2021: 54.61, 2022: 58.27, 2023: 60.01}
    assert years("ID-PB") == {2024: 62.96}
    # 2023: BPS repeats the parent's figure for two new provinces; it is not theirs
    assert years("ID-PS") == {2024: 48.44}
    assert years("ID-PD") == {2024: 65.75}
    assert years("ID-PE") == {2024: 6.76}


def test_the_split_rule_is_in_the_note():
    note = parse("bps_internet_use_province").note
    assert "Papua as ID-PA-PRE2022 in 2020, 2021, 2022, 2023" in note
    assert "Papua Barat Daya 2023 (= Papua Barat), Papua Selatan 2023 (= Papua)" in note


@pytest.mark.parametrize("source_id", sorted(IPTIK))
def test_iptik_papua_rows_are_the_pre_split_provinces(source_id):
    cities = set(parse(source_id).tables["series"]["city_id"])
    assert {"ID-PA-PRE2022", "ID-PB-PRE2022"} <= cities
    assert not cities & {"ID-PA", "ID-PB", "ID-PS", "ID-PT", "ID-PE", "ID-PD"}


@pytest.mark.parametrize(
    "source_id,old,new,problem",
    [
        (
            "bps_iptik_2019_2020",
            "Nilai IPTIK 2019",
            "IPTIK 2019",
            "missing column(s) Nilai IPTIK 2019",
        ),
        (
            "bps_iptik_2021_2022",
            "Subindeks Keahlian TIK (2022)",
            "Subindeks Keterampilan TIK (2022)",
            "missing column(s) Subindeks Keahlian TIK (2022)",
        ),
        (
            "bps_internet_use_province",
            ",Perkotaan+Perdesaan,",
            ",Perkotaan,",
            "no 'Perkotaan+Perdesaan' column block; found: Perkotaan, 2020",
        ),
        (
            "bps_internet_use_province",
            "Mengakses Internet",
            "Memakai Komputer",
            "not the BPS internet-use table",
        ),
    ],
)
def test_a_renamed_column_is_refused(source_id, old, new, problem):
    spec = all_specs()[source_id]
    text = (FIX / spec.files[0]).read_text(encoding="utf-8-sig")
    assert old in text
    with pytest.raises(IngestError) as err:
        parse(source_id, text.replace(old, new, 1).encode())
    assert str(err.value).startswith(f"{source_id}: {spec.files[0]}: {problem}")


@pytest.mark.parametrize("source_id", [*sorted(IPTIK), "bps_internet_use_province"])
def test_a_truncated_file_is_refused(source_id):
    spec = all_specs()[source_id]
    data = (FIX / spec.files[0]).read_bytes()
    cut = data[: data.index(b"PAPUA" if b"PAPUA" in data else b"94. Papua")]
    with pytest.raises(IngestError, match=f"^{source_id}: .*: no INDONESIA row \\(a truncated"):
        parse(source_id, cut)
    mid_row = data[: data.index(b"JAWA BARAT" if b"JAWA BARAT" in data else b"32. Jawa") + 14]
    with pytest.raises(IngestError, match=f"^{source_id}: .*(fields, expected|malformed CSV)"):
        parse(source_id, mid_row)


def test_a_value_outside_the_scale_is_refused():
    text = (FIX / IPTIK["bps_iptik_2019_2020"]).read_text(encoding="utf-8")
    with pytest.raises(IngestError, match="Nilai IPTIK 2019: 58.6 outside 0–10"):
        parse("bps_iptik_2019_2020", text.replace('"5,86"', '"58,6"').encode())
    with pytest.raises(IngestError, match="decimal comma expected, got '5.86'"):
        parse("bps_iptik_2019_2020", text.replace('"5,86"', "5.86").encode())


def test_an_undocumented_token_is_refused():
    text = (FIX / INTERNET).read_text(encoding="utf-8-sig")
    with pytest.raises(IngestError, match="Perkotaan\\+Perdesaan 2020: not a number: 'n.a.'"):
        parse(
            "bps_internet_use_province",
            text.replace("PAPUA TENGAH,-", "PAPUA TENGAH,n.a.").encode(),
        )


def test_bad_file_leaves_the_store_unchanged(tmp_path):
    db = tmp_path / "s.duckdb"
    good = FIX / INTERNET
    assert runner.run_ingest(db, sources=["bps_internet_use_province"], files=[good]) == 0
    con = connect_read(db)
    before = con.execute("SELECT * FROM indicator_value ORDER BY ALL").fetchall()
    con.close()
    bad = tmp_path / "export.csv"
    bad.write_bytes(good.read_bytes()[:400])
    assert runner.run_ingest(db, sources=["bps_internet_use_province"], files=[bad]) == 1
    con = connect_read(db)
    assert con.execute("SELECT * FROM indicator_value ORDER BY ALL").fetchall() == before
    (error,) = con.execute("SELECT error FROM ingest_run WHERE status = 'failed'").fetchone()
    assert error.startswith(f"bps_internet_use_province: {bad.resolve()}: ")


# --- the registry's provinces ------------------------------------------------------------------


def provinces() -> list[dict[str, str]]:
    rows = read_csv_rows(REGISTRY_DIR / "cities.csv", ["city_id", "country", "level"])
    return [r for r in rows if r["country"] == "ID" and r["level"] == "province"]


def test_every_province_has_names_in_three_languages_and_a_bps_code():
    rows = provinces()
    current = [r for r in rows if not r["city_id"].endswith("PRE2022")]
    assert len(current) == 38
    for r in rows:
        assert r["name_en"] and r["name_zh"] and r["name_local"], r["city_id"]
    codes = [r["official_code"] for r in current]
    assert all(len(c) == 2 and c.isdigit() for c in codes) and len(set(codes)) == 38
    papua = {r["city_id"]: (r["official_code"], r["geo_id"]) for r in current}
    assert papua["ID-PA"] == ("94", "91") and papua["ID-PB"] == ("91", "92")  # BPS vs Kemendagri
    assert papua["ID-PD"] == ("92", "96")
    pre = {r["city_id"]: r for r in rows if r["city_id"].endswith("PRE2022")}
    assert set(pre) == {"ID-PA-PRE2022", "ID-PB-PRE2022"}
    assert all(not r["official_code"] for r in pre.values())
    # their boundary is the present provinces that made them up, joined in the derived file
    assert pre["ID-PA-PRE2022"]["geo_id"] == "91+93+94+95"
    assert pre["ID-PB-PRE2022"]["geo_id"] == "92+96"


def test_derived_boundaries_carry_the_registry_geo_ids():
    rows = {r["geo_id"]: r for r in provinces() if r["geo_file"] == "indonesia_provinces.geojson"}
    shipped = json.loads((GEO_DIR / "indonesia_provinces.geojson").read_text(encoding="utf-8"))
    features = {str(f["id"]): f for f in shipped["features"]}
    assert set(features) == set(rows) and len(rows) == 40  # every province, both pre-2022 units
    for geo_id, feature in features.items():
        row = rows[geo_id]
        assert row["name_local"] == feature["properties"]["nama"]
        if "+" not in geo_id:
            assert feature["properties"]["iso_3166_2"] == row["city_id"]
    parts = features["92+96"]["geometry"]["coordinates"]
    assert (
        parts
        == features["92"]["geometry"]["coordinates"] + features["96"]["geometry"]["coordinates"]
    )


@pytest.mark.opendata
def test_raw_boundaries_match_every_province(opendata):
    raw = json.loads((opendata / "geo/indonesia_provinces.geojson").read_text(encoding="utf-8"))
    by_iso = {f["properties"]["iso_3166_2"]: f["properties"] for f in raw["features"]}
    current = [r for r in provinces() if r["geo_file"] and "+" not in r["geo_id"]]
    assert len(current) == len(by_iso) == 38
    for r in current:
        p = by_iso[r["city_id"]]
        assert (r["geo_id"], r["name_local"], r["name_en"]) == (
            p["kode_kemendagri"],
            p["nama"],
            p["name_en"],
        )


@pytest.mark.opendata
@pytest.mark.parametrize("source_id", [*sorted(IPTIK), "bps_internet_use_province"])
def test_real_files_load_every_province(opendata, source_id):
    spec = all_specs()[source_id]
    b = spec.parse((opendata / spec.files[0]).read_bytes(), spec.files[0])
    cities = set(b.tables["series"]["city_id"])
    # 34 provinces before the splits + Indonesia; 38 today + 2 pre-split units + Indonesia
    assert len(cities) == (41 if source_id == "bps_internet_use_province" else 35)
