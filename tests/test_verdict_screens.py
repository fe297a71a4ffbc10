"""The verdict first on every screen (issue 13): its texts, the API rows, the kiosk rule, the
overfit display, and an older store brought up to the verdict columns and rendered.

Stores are real DuckDB files: the test world's (tests/store_builder.py, through the real
`gosmart ingest` and `gosmart evidence`), or the bundled snapshot.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from gosmart.dashboard import verdict as vd
from gosmart.dashboard.i18n import t_parts
from gosmart.dashboard.periods import period_text, span_text, windows_parts, windows_text
from gosmart.readiness import upgrade_store
from gosmart.resources import SNAPSHOT_DIR
from gosmart.store import VERDICT_COLUMNS, connect_read, pending_upgrades, writing
from gosmart.vocab import Verdict
from tests.conftest import use_store
from tests.dash_pages import find_by_id, page_module, texts
from tests.store_builder import AIR, FAMILY
from tests.store_files import rows

NULL = {
    "estimable": True,
    "verdict": "no_clear_change",
    "evidence_level": 3,
    "effect_avg": -3.7,
    "effect_avg_lo": -8.44,
    "effect_avg_hi": 1.34,
    "mde": 14.76,
    "mde_rel": 0.902,
    "p_value": 0.2727,
    "p_value_test": "permutation",
    "p_value_min": 1 / 22,
    "details": {},
}


# -- the texts --------------------------------------------------------------------------------


def test_the_verdict_line_leads_and_the_estimate_follows_with_interval_and_mde():
    assert vd.label(NULL, "en") == "No clear change" and vd.label(NULL, "zh") == "沒有明顯變化"
    assert vd.level_text(NULL, "en") == "Evidence level 3 of 5"
    line = vd.estimate_text(NULL, "records per 10,000 residents", "en")
    assert line == (
        "−3.7 records per 10,000 residents (95% interval −8.44 to +1.34) · MDE ±14.8 (±90%)"
    )
    assert (
        vd.estimate_text(NULL, "件", "zh")
        == "−3.7 件（95% 區間 −8.44 至 +1.34） · 最小可偵測效果 ±14.8（±90%）"
    )
    clear = {**NULL, "verdict": "clear_increase", "effect_avg": 5012.0, "effect_avg_lo": 3100.0,
             "effect_avg_hi": 6900.0, "mde": None, "mde_rel": None}  # fmt: skip
    assert vd.estimate_text(clear, "", "en") == "+5,012 (95% interval +3,100 to +6,900)"
    assert vd.is_clear(clear) and not vd.is_clear(NULL)
    no_interval = {**NULL, "verdict": "not_estimable", "effect_avg_lo": None, "effect_avg_hi": None}
    assert vd.estimate_text(no_interval, "", "en").startswith("−3.7 (no interval)")
    # a row without a verdict, or no row at all, is never shown as a finding
    assert vd.code({"estimable": True}) == vd.code(None) == Verdict.NOT_ESTIMABLE
    assert vd.label(None, "en") == "Not estimable"


def test_a_null_says_what_size_of_change_the_data_could_have_seen():
    # from the columns, in the evidence engine's words, when no stored message says it
    assert vd.detectable_text(NULL, "en") == (
        "No change larger than ±14.8 (±90%) could be seen in this data"
    )
    assert vd.detectable_text(NULL, "zh") == "這份資料足以看出大於 ±14.8（±90%）的變化，但沒有看到"
    assert vd.detectable_text({**NULL, "mde_rel": None}, "en") == (
        "No change larger than ±14.8 could be seen in this data"
    )
    clear = {**NULL, "verdict": "clear_decrease"}
    assert vd.detectable_text(clear, "en").startswith("This data could see changes larger than")
    assert vd.detectable_text({**NULL, "mde": None}, "en") is None
    # the engine's stored message wins (its number format, any language)
    stored = {"key": "no_change_mde", "params": {"mde": "14.8", "rel": "90%"}}
    row = {**NULL, "details": {"verdict": {"detectable": stored}}}
    assert vd.detectable_text(row, "zh") == "這份資料足以看出大於 ±14.8（±90%）的變化，但沒有看到"
    assert vd.mde_size(NULL, "en") == "±14.8 (±90%)"
    assert vd.mde_size(NULL, "en", relative=True) == "±90%"


def test_every_p_value_says_its_kind():
    assert vd.p_value_text(NULL, "en") == (
        "0.27 (permutation test; the smallest p-value it can give is 0.045)"
    )
    assert vd.p_value_text(NULL, "zh") == "0.27（排列檢定；p 值最小只能到 0.045）"
    for test, words in (
        ("placebo_se", "t-test with the placebo standard error"),
        ("hac", "HAC (Newey–West) t-test"),
        ("welch", "Welch t-test, after against before"),
    ):
        assert vd.p_value_text({**NULL, "p_value_test": test}, "en") == f"0.27 ({words})"
    why = {"key": "few_placebos", "params": {"n": 3, "need": 5}}
    none = {**NULL, "p_value": None, "verdict": "not_estimable",
            "details": {"verdict": {"message": {"key": "verdict_no_interval",
                                                "params": {"why": why}}}}}  # fmt: skip
    assert vd.p_value_text(none, "en").startswith("no p-value: no interval and no p-value: only 3")
    assert vd.p_value_text(none, "zh").startswith("沒有 p 值：")
    # a kind stored before the test was a column: the engine's own message, else its code's label
    legacy = {**NULL, "p_value_test": None, "p_value_kind": "hac"}
    assert vd.p_value_text(legacy, "en") == "0.27 (HAC (Newey–West) standard errors)"
    assert vd.p_value_text({"estimable": False}, "en") == "–"


@pytest.mark.parametrize(
    ("start", "end", "grain", "lang", "expected"),
    [
        (date(2014, 1, 1), date(2018, 1, 1), "annual", "en", "2014–2018"),
        (date(2014, 1, 1), date(2018, 1, 1), "annual", "zh", "2014–2018 年"),
        (date(2019, 1, 1), date(2019, 1, 1), "annual", "en", "2019"),
        (date(2016, 1, 1), date(2019, 5, 1), "monthly", "en", "2016-01 – 2019-05"),
        (date(2016, 1, 1), date(2019, 5, 1), "monthly", "zh", "2016-01 – 2019-05"),
        (date(2019, 10, 1), date(2020, 1, 1), "quarterly", "en", "2019-Q4 – 2020-Q1"),
        (date(2020, 3, 2), date(2020, 3, 30), "weekly", "en", "2020-03-02 – 2020-03-30"),
        (None, date(2020, 1, 1), "annual", "en", "–"),
    ],
)
def test_windows_are_named_at_the_series_grain(start, end, grain, lang, expected):
    assert span_text(start, end, grain, lang) == expected


def test_an_effects_windows_read_before_and_after_launch():
    row = {"pre_start": date(2014, 1, 1), "pre_end": date(2018, 1, 1),
           "post_start": date(2020, 1, 1), "post_end": date(2023, 1, 1)}  # fmt: skip
    assert windows_text(row, "annual", "en") == "before launch 2014–2018; after launch 2020–2023"
    assert windows_text(row, "annual", "zh") == "上線前 2014–2018 年；上線後 2020–2023 年"
    assert period_text("2019-07-01", "monthly", "en") == "2019-07"


def test_on_a_page_each_window_is_one_unbreakable_span_of_the_same_words():
    row = {"pre_start": date(2010, 1, 1), "pre_end": date(2018, 8, 1),
           "post_start": date(2018, 9, 1), "post_end": date(2020, 1, 1)}  # fmt: skip
    for lang in ("en", "zh"):
        parts = windows_parts(row, "monthly", lang)
        spans = [p for p in parts if not isinstance(p, str)]
        assert [s.children for s in spans] == ["2010-01 – 2018-08", "2018-09 – 2020-01"]
        assert all(s.className == "nowrap" for s in spans)
        words = "".join(p if isinstance(p, str) else p.children for p in parts)
        assert words == windows_text(row, "monthly", lang)


def test_a_message_takes_components_where_its_placeholders_are():
    mark = object()
    assert t_parts("project.windows_value", "en", pre=mark, post="2020") == [
        "before launch ",
        mark,
        "; after launch 2020",
    ]
    assert t_parts("project.windows_value", "en", pre="a", post="b") == [
        "before launch a; after launch b"
    ]


# -- the overfit display ----------------------------------------------------------------------

OVERFIT = {
    "key": "overfit_rule",
    "params": {"periods": {"key": "periods_annual", "params": {"n": 2}}, "n_donors": 16,
               "n_weighted": 16, "min_pre": 10},
}  # fmt: skip


def test_a_fit_the_overfitting_rule_discounts_is_shown_as_no_evidence_with_its_reason():
    project = page_module("project")
    row = {**NULL, "pre_rmspe": 0.0035, "pre_fit_r2": 1.0,
           "details": {"overfit": {"fires": True, "message": "stored English"},
                       "messages": {"overfit": OVERFIT}}}  # fmt: skip
    for lang, verdict, reason in (
        ("en", "Not evidence here", "is expected by construction"),
        ("zh", "此處不構成證據", "依構造本來就會完全擬合"),
    ):
        stat = project._pre_fit_stat(row, lang)
        words = texts(stat)
        assert stat.id == "project-overfit" and words[1] == verdict, words
        assert "R² 1" in words[2] and reason in words[2], words
    # stored before the rule's message was kept: the level's reason carries it, in each language
    older = {**row, "details": {"overfit": {"fires": True, "message": "stored English"},
                                "messages": {"evidence_reason": {"key": "level_overfit",
                                                                 "params": {"why": OVERFIT}}}}}  # fmt: skip
    for lang, reason in (("zh", "依構造本來就會完全擬合"), ("en", "is expected by construction")):
        words = texts(project._pre_fit_stat(older, lang))
        assert reason in words[2] and "stored English" not in words[2], words
    assert "啟動前 2 年" in vd.overfit_text(older, "zh")
    # nothing but the English the engine wrote: that English
    english_only = {**row, "details": {"overfit": {"fires": True, "message": "stored English"}}}
    assert "stored English" in texts(project._pre_fit_stat(english_only, "zh"))[2]
    # a fit the rule lets count is a plain figure
    plain = project._pre_fit_stat({**row, "details": {"overfit": {"fires": False}}}, "en")
    assert texts(plain) == ["Fit before launch", "RMSPE 0.0035 · R² 1"]


# -- the data API -----------------------------------------------------------------------------


def test_every_effects_json_row_carries_its_verdict_and_mde(built_store, monkeypatch):
    from gosmart.dashboard.app import create_app

    client = create_app(use_store(monkeypatch, built_store)).server.test_client()
    served = client.get("/api/v1/effects.json").get_json()["effects"]
    assert served and all({"verdict", "mde", "mde_rel", "p_value_test"} <= set(r) for r in served)
    assert {r["verdict"] for r in served} <= set(Verdict)
    stored = rows(built_store, "SELECT project_id, indicator_id, method, verdict, mde, "
                  "p_value_test, p_value_min FROM effect")  # fmt: skip
    key = ("project_id", "indicator_id", "method")
    by_key = {tuple(r[k] for k in key): r for r in served}
    assert len(by_key) == len(stored)
    for row in stored:
        shown = by_key[tuple(row[k] for k in key)]
        assert {k: shown[k] for k in row} == pytest.approx(row), row
    assert any(r["mde"] for r in served) and any(r["p_value_test"] for r in served)


# -- the kiosk rule ---------------------------------------------------------------------------


@pytest.fixture
def kiosk_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from gosmart.snapshot import load_snapshot

    page_module("project")  # the pages declare their URL fields (the QR links need them)
    db = tmp_path / "gosmart.duckdb"
    load_snapshot(SNAPSHOT_DIR, db)
    use_store(monkeypatch, db)
    return db


def _headline(lang: str) -> dict:
    from gosmart.dashboard.kiosk import content
    from gosmart.dashboard.kiosk.playlist import DEFAULT_PLAYLIST, load_playlist, playlist_path

    playlist = load_playlist(playlist_path(DEFAULT_PLAYLIST))[0]
    slide = next(s for s in playlist.slides if s.project == "ntpc_hrf")
    return content.build_slide(playlist, slide, lang, "http://kiosk.test/")["headline"]


def test_the_kiosk_never_sets_a_number_in_headline_type_when_the_interval_includes_zero(
    kiosk_store: Path,
):
    from gosmart.dashboard.kiosk import render

    con = duckdb.connect(str(kiosk_store), read_only=True)
    lo, hi = con.execute(
        "SELECT effect_rel_lo, effect_rel_hi FROM effect WHERE project_id = 'ntpc_hrf' "
        "AND estimable ORDER BY is_primary DESC, evidence_level DESC, method LIMIT 1"
    ).fetchone()
    con.close()
    assert lo <= 0 <= hi, "the bundled snapshot's New Taipei effect should include zero"
    for lang, verdict in (("en", "No clear change"), ("zh", "沒有明顯變化")):
        headline = _headline(lang)
        big = [text for kind, text in headline["caption"] if kind in ("value", "verdict")]
        assert big == [verdict] and ("value", verdict) not in headline["caption"]
        assert not any(ch.isdigit() for ch in big[0])
        assert headline["plain"] and headline["is_number"] is False
        shown = render._headline(headline, lang)
        figure = [c for c in shown.children[0].children if "kiosk-figure" in (c.className or "")]
        assert [c.className for c in figure] == ["kiosk-figure is-verdict"]
    # the same slide with a clear effect: the number in headline type, the verdict before it
    with writing(kiosk_store) as con:
        con.execute(
            "UPDATE effect SET verdict = 'clear_decrease', effect_rel = -0.2, "
            "effect_rel_lo = -0.3, effect_rel_hi = -0.1, effect_avg_lo = -9, effect_avg_hi = -1, "
            "mde_rel = 0.08 WHERE project_id = 'ntpc_hrf' AND estimable"
        )
    for lang, verdict in (("en", "Clear decrease"), ("zh", "明顯減少")):
        headline = _headline(lang)
        assert ("value", "−20%") in headline["caption"] and headline["verdict"] == verdict
        assert "±8%" in headline["detail"]
        lead = render._headline(headline, lang).children[0]
        assert lead.children == verdict and "kiosk-verdict" in lead.className


# -- an older store ---------------------------------------------------------------------------


def test_a_store_from_before_the_verdict_columns_upgrades_and_renders(store_copy, monkeypatch):
    """What `gosmart evidence` wrote before this change (no verdict, MDE, standard error or
    p-value test columns; overfit reasons in English only): served, the store is upgraded
    with the columns filled from what the engine recorded, and the page leads with them."""
    fresh = _effects(store_copy)
    with writing(store_copy) as con:
        for column in VERDICT_COLUMNS:
            con.execute(f"ALTER TABLE effect DROP COLUMN {column}")
        con.execute(  # messages this change began to keep
            "UPDATE effect SET details = json_remove(json_remove(details, '$.messages.overfit'), "
            "'$.messages.mde_basis')"
        )
    with connect_read(store_copy) as con:
        assert pending_upgrades(con) == ["effect.verdict"]
    assert upgrade_store(store_copy) == ["effect.verdict"]
    upgraded = _effects(store_copy)
    assert upgraded.keys() == fresh.keys()
    for key, row in fresh.items():
        for column in ("verdict", "mde", "mde_rel", "mde_kind", "p_value_test", "p_value_min"):
            assert upgraded[key][column] == pytest.approx(row[column]), (key, column)
    assert {r["verdict"] for r in upgraded.values()} <= set(Verdict)

    use_store(monkeypatch, store_copy)
    project = page_module("project")
    for project_id in (FAMILY, AIR):
        primary = next(r for k, r in upgraded.items() if k[0] == project_id and r["is_primary"])
        for lang in ("en", "zh"):
            page = project.layout(project_id=project_id, lang=lang)
            verdict = texts(find_by_id(page, "verdict"))
            assert verdict[0] == vd.label(primary, lang)
            assert any(("95% interval" if lang == "en" else "95% 區間") in x for x in verdict)
            words = " ".join(texts(page))
            assert "This panel could not be drawn" not in words and "此區塊無法顯示" not in words


def _effects(db: Path) -> dict[tuple, dict]:
    found = rows(db, "SELECT * FROM effect")
    return {(r["project_id"], r["indicator_id"], r["method"]): r for r in found}


def test_a_snapshot_built_before_the_verdict_columns_loads_with_them_filled(tmp_path):
    """The loader takes an older snapshot's effect file (here the bundled one without the
    verdict columns, re-signed in its manifest) and fills the new columns."""
    import hashlib

    from gosmart.snapshot import MANIFEST, load_snapshot

    old = tmp_path / "snapshot"
    shutil.copytree(SNAPSHOT_DIR, old)
    effect = old / "effect.parquet"
    con = duckdb.connect()
    present = [
        r[0]
        for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(effect)]).fetchall()
    ]
    dropped = [c for c in VERDICT_COLUMNS if c in present]
    query = "SELECT * EXCLUDE (" + ", ".join(dropped) + ")" if dropped else "SELECT *"
    con.sql(f"{query} FROM read_parquet('{effect}')").write_parquet(str(tmp_path / "e.parquet"))
    con.close()
    shutil.move(tmp_path / "e.parquet", effect)
    manifest = json.loads((old / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"]["effect.parquet"]["sha256"] = hashlib.sha256(effect.read_bytes()).hexdigest()
    (old / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")

    db = tmp_path / "gosmart.duckdb"
    load_snapshot(old, db)
    with connect_read(db) as con:
        verdicts = {r[0] for r in con.execute("SELECT DISTINCT verdict FROM effect").fetchall()}
        assert verdicts and verdicts <= set(Verdict)
        assert con.execute(
            "SELECT count(*) FROM effect WHERE estimable AND effect_avg_lo <= 0 "
            "AND effect_avg_hi >= 0 AND verdict <> 'no_clear_change'"
        ).fetchone() == (0,)


# -- the evidence bundle ----------------------------------------------------------------------


def test_the_bundle_leads_with_the_verdict(dashboard_store, monkeypatch):
    import csv
    import io
    import zipfile

    import gosmart.dashboard.bundle as bundle

    monkeypatch.setattr(bundle, "svg_images", lambda figs: ({}, "JSON only (test)"))
    (primary,) = rows(dashboard_store, "SELECT * FROM effect WHERE project_id = ? "
                      "AND indicator_id = 'child_protection_records' AND is_primary", [FAMILY])  # fmt: skip
    _, payload = bundle.build_bundle(FAMILY, lang="zh")
    archive = zipfile.ZipFile(io.BytesIO(payload))
    manifest = json.loads(archive.read("manifest.json"))
    keys = list(manifest)
    assert keys.index("verdict") < keys.index("method") < keys.index("windows")
    verdict = manifest["verdict"]
    assert (verdict["code"], verdict["text"], verdict["evidence_level"]) == (
        primary["verdict"], vd.label(primary, "zh"), primary["evidence_level"],
    )  # fmt: skip
    assert "95% 區間" in verdict["estimate"] and "最小可偵測效果 " in verdict["estimate"]
    # fitted in logs (a data break in the window): the MDE's two sides, not ±
    assert json.loads(primary["details"])["scale"] == "log"
    assert re.search(
        r"最小可偵測效果 −[\d.]+ / \+[\d.]+（−[\d.]+% / \+[\d.]+%）", verdict["estimate"]
    )
    pre, post = primary["pre_start"].year, primary["post_end"].year
    assert verdict["windows"].startswith(f"上線前 {pre}–") and f"–{post} 年" in verdict["windows"]
    header = next(csv.reader(io.StringIO(archive.read("effects.csv").decode("utf-8"))))
    assert header.index("verdict") < header.index("effect_avg") < header.index("mde")
    assert "verdict" in archive.read("README.txt").decode("utf-8").split("\n\n")[1]


def test_every_p_value_kind_the_engine_writes_names_its_test():
    from gosmart.evidence.inference import P_VALUE_TESTS
    from gosmart.texts import templates

    kinds = {k for k in templates("en") if k.startswith("pkind_")}
    assert kinds == set(P_VALUE_TESTS)
