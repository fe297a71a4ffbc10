"""Evidence texts are stored as English plus a catalogue message, and pages show them in zh.

The engine's level reasons and agreement lines used to reach Chinese pages in English.
These tests pin that every branch stores a message whose English is the stored text,
that it renders in Chinese, and that pages fall back to the stored English when a row
has no message (rows written before) or a broken one (never an error).
"""

from __future__ import annotations

import json

import pytest

from gosmart import texts
from gosmart.dashboard.i18n import engine_text
from gosmart.evidence.result import MethodResult
from gosmart.evidence.strength import agreement, cap_for_break_at_launch, evidence_level
from gosmart.texts import Message, render, templates


def _result(method: str, **kw) -> MethodResult:
    details = kw.pop("details", {})
    return MethodResult(method=method, estimable=True, reason="", details=details, **kw)


GOOD = {"n_pre": 6, "donors": ["A", "B", "C"], "pretrends_parallel": True}
PASSED = {"n_fake_dates": 4, "n_significant": 0, "passed": True}
FAILED = {"n_fake_dates": 8, "n_significant": 7, "passed": False}

CASES = [
    (_result("before_after"), None, 1),
    (_result("its"), FAILED, 1),
    (_result("its"), PASSED, 2),
    (_result("did", pre_fit_r2=0.79, details={"n_pre": 2}), PASSED, 2),
    (_result("did", pre_fit_r2=None, details={"n_pre": 6}), PASSED, 2),
    (_result("synthetic_control", pre_fit_r2=0.97, details=GOOD), PASSED, 4),
    (_result("synthetic_control", pre_fit_r2=0.7, details={"n_pre": 4}), FAILED, 3),
]


@pytest.mark.parametrize(("result", "placebo", "level"), CASES)
def test_every_level_reason_is_a_message_that_renders_in_both_languages(result, placebo, level):
    got, reason = evidence_level(result, placebo)
    assert got == level and isinstance(reason, Message)
    stored = json.loads(json.dumps(reason.as_dict()))  # as it travels through the store
    assert render(stored, "en") == str(reason)
    zh = render(stored, "zh")
    assert zh and zh != str(reason)
    assert not any(word in zh for word in ("comparison", "pre-launch", "placebo", "fit "))


def test_capped_and_agreement_lines_nest_messages():
    capped = cap_for_break_at_launch(evidence_level(CASES[5][0], PASSED))
    assert capped[0] == 3 and "capped at 3" in capped[1]
    assert render(capped[1].as_dict(), "zh").startswith("以 3 個城市對照")
    two = [
        _result("synthetic_control", effect_avg=-3.04, effect_avg_lo=-7.8, effect_avg_hi=6.4),
        _result("did", effect_avg=-3.7, effect_avg_lo=-8.4, effect_avg_hi=1.3),
    ]
    line = agreement(two)
    assert (
        str(line)
        == "2 methods agree in sign; intervals overlap (synthetic_control -3.04, did -3.7)"
    )
    assert (
        render(line.as_dict(), "zh")
        == "2 種方法方向一致；區間重疊（synthetic_control -3.04, did -3.7）"
    )
    assert render(agreement(two[:1]).as_dict(), "zh") == "只有一種方法能執行"


def test_every_english_message_has_a_chinese_one_with_the_same_placeholders():
    assert set(templates("en")) == set(templates("zh"))
    assert "level_3" in templates("en")


def test_pages_fall_back_to_the_stored_english_never_fail():
    message = Message("missing_pre", n_pre=4).as_dict()
    assert engine_text({"messages": {"r": message}}, "r", "zh", "fallback") == "啟動前只有 4 期"
    for details in (
        None,
        "not a dict",
        {},
        {"messages": "x"},
        {"messages": {"r": {"key": "no_such_key", "params": {}}}},
        {"messages": {"r": {"key": "missing_pre", "params": {}}}},  # placeholder left unfilled
        {"messages": {"r": {"key": "missing_pre", "params": ["not", "a", "dict"]}}},
    ):
        assert engine_text(details, "r", "zh", "stored English") == "stored English"


def test_an_unknown_english_key_is_refused_at_the_source():
    with pytest.raises(KeyError):
        Message("no_such_key")


def test_method_and_design_reasons_render_in_chinese():
    """'Not estimable because …' and the chosen design's reason travel as messages too."""
    from gosmart.evidence.did import difference_in_differences
    from gosmart.evidence.engine import evaluate
    from gosmart.evidence.panel import Panel
    from gosmart.evidence.synth import synthetic_control
    from tests.fixtures.evidence.synthetic import factor_panel

    values, treated, launch = factor_panel(3, n_units=2)
    panel = Panel(values, treated, launch, "annual")
    refused = synthetic_control(panel)
    assert not refused.estimable and isinstance(refused.reason, Message)
    zh = render(refused.reason.as_dict(), "zh")
    assert zh.startswith("無法估計，因為") and "合成控制法至少需要兩個對照城市" in zh
    ran = difference_in_differences(panel)
    assert (
        ran.estimable
        and render(ran.reason.as_dict(), "zh") == "與 1 個對照城市平均比較的差異中的差異"
    )
    ev = evaluate(panel)
    assert ev.primary is not None and all(isinstance(r.reason, Message) for r in ev.results)


def test_cities_and_indicators_are_named_in_the_readers_language():
    """Messages store ids; English and Chinese show registry names (ids only when unknown)."""
    message = Message(
        "no_city_values",
        grain=Message("grain_annual"),
        indicator=texts.indicator("child_protection_records"),
        city=texts.city("TW-KHH"),
    )
    assert "Kaohsiung City" in message and "TW-KHH" not in message
    zh = render(json.loads(json.dumps(message.as_dict())), "zh")
    assert "高雄市" in zh and "TW-KHH" not in zh and "child_protection_records" not in zh
    assert Message("few_pre", n=1, city=texts.city("XX-NONE"), need=2).startswith(
        "only 1 pre-launch period(s) of XX-NONE"
    )
