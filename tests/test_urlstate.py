"""The URL serialiser round-trips views and treats every value as hostile."""

from __future__ import annotations

from gosmart.dashboard.urlstate import Field, decode, encode, parse_query, register_view

register_view(
    "test-view",
    [
        Field("ind", "choice", "pm25", {"pm25", "aqi"}),
        Field("cities", "list", ["TW-TXG"], {"TW-TXG", "TW-TPE", "TW-KHH"}),
        Field("from", "int", 2017, lo=1990, hi=2030),
        Field("pc", "bool", False),
    ],
)


def test_round_trip():
    state = {"lang": "zh", "ind": "aqi", "cities": ["TW-TPE", "TW-KHH"], "from": 2019, "pc": True}
    decoded, notices = decode("test-view", parse_query(encode("test-view", state)))
    assert decoded == state and notices == []


def test_defaults_are_left_out_of_links():
    assert encode("test-view", {"lang": "en", "ind": "pm25"}) == "?v=1"


def test_hostile_values_fall_back_with_notices():
    query = {
        "ind": "pm25'; DROP TABLE city; --",
        "cities": "TW-TPE,../../etc/passwd",
        "from": "99999999999",
        "pc": "yes",
        "lang": "xx" * 500,
        "unknown": "ignored",
    }
    state, notices = decode("test-view", query)
    assert state == {"lang": "en", "ind": "pm25", "cities": ["TW-TXG"], "from": 2017, "pc": False}
    assert sorted(notices) == ["cities", "from", "ind", "lang", "pc", "unknown"]


def test_unknown_names_are_ignored_but_noticed_briefly():
    query = {f"name{i}": "x" for i in range(9)} | {"ind": "aqi", "y" * 500: "1"}
    state, notices = decode("test-view", query)
    assert state["ind"] == "aqi"
    assert len(notices) == 5 and all(len(n) <= 40 for n in notices)


def test_future_version_is_noticed_not_fatal():
    state, notices = decode("test-view", {"v": "99", "ind": "aqi"})
    assert state["ind"] == "aqi" and notices == ["v"]
