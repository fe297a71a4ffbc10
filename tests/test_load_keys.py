"""Keys on load (connectors/core.py): no key twice in a batch, whatever the row order, and
the integer series keys observations are stored under."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pandas as pd
import pytest

from gosmart.connectors.core import Batch, load_batch
from gosmart.connectors.errors import IngestError
from gosmart.schema import stored_columns, stored_tables
from gosmart.store import connect_read, pending_upgrades, writing
from tests.test_derive import spec

SPEC = spec("keys_test")
HOURS = pd.date_range("2020-01-01", periods=6, freq="h")


def _observations(series: list[str], hours: list[int]) -> Batch:
    batch = Batch()
    ids = sorted(set(series))
    batch.add(
        "series",
        pd.DataFrame(
            {
                "series_id": ids,
                "indicator_id": "pm25",
                "city_id": "TW-TPE",
                "entity_id": ids,
                "grain": "hourly",
                "unit": "µg/m³",
            }
        ),
    )
    batch.add(
        "observation",
        pd.DataFrame({"series_id": series, "ts": HOURS[hours], "value": range(len(hours))}),
    )
    return batch


def _load(db_file, batch: Batch) -> int:
    with writing(db_file) as con:
        return load_batch(con, SPEC, batch, location="synthetic", sha256="0")


@pytest.mark.parametrize(
    ("series", "hours", "message"),
    [
        (
            ["a", "a", "b"],
            [0, 0, 1],
            "observation: duplicate key ['a', Timestamp('2020-01-01 00:00:00')] (2 rows)",
        ),
        (
            ["b", "a", "b", "a", "b"],
            [3, 1, 3, 2, 3],
            "observation: duplicate key ['b', Timestamp('2020-01-01 03:00:00')] (3 rows)",
        ),
    ],
)
def test_a_key_twice_is_refused_in_any_order_and_nothing_is_stored(db_file, series, hours, message):
    assert _load(db_file, _observations(["z"], [0])) == 2  # what is stored before
    with pytest.raises(IngestError) as err:
        _load(db_file, _observations(series, hours))
    assert str(err.value).endswith(message)
    with connect_read(db_file) as con:
        assert con.execute(
            "SELECT series_id FROM observation JOIN series_source USING (series_key)"
        ).fetchall() == [("z",)]


def test_unordered_rows_with_distinct_keys_load(db_file):
    """Same hour in two series, series interleaved, hours out of order: all distinct keys."""
    series, hours = ["b", "a", "b", "a", "a"], [2, 2, 0, 5, 0]
    assert _load(db_file, _observations(series, hours)) == 2 + 5


def test_keys_of_several_columns_and_dates(db_file):
    rows = pd.DataFrame(
        {
            "indicator_id": ["population"] * 3,
            "city_id": ["TW-TPE", "TW-KHH", "TW-TPE"],
            "grain": ["annual"] * 3,
            "period_start": ["2020-01-01", "2020-01-01", "2020-01-01"],
            "value": [1.0, 2.0, 3.0],
        }
    )
    batch = Batch()
    batch.add("indicator_value", rows)
    with pytest.raises(
        IngestError, match=r"indicator_value: duplicate key .*'TW-TPE'.* \(2 rows\)"
    ):
        _load(db_file, batch)
    batch.tables["indicator_value"] = rows.iloc[:2]
    assert _load(db_file, batch) == 2


def _pairs(con) -> list[tuple]:
    return con.execute(
        "SELECT series_key, series_id, source_id FROM series_source ORDER BY ALL"
    ).fetchall()


def _observed(con) -> list[tuple]:
    return con.execute(
        "SELECT series_id, source_id, count(*) FROM observation "
        "JOIN series_source USING (series_key) GROUP BY ALL ORDER BY ALL"
    ).fetchall()


def test_series_keys_stay_put_across_reloads_and_go_with_the_series(db_file):
    """Two sources feeding one series get a key each; a reload keeps its keys; a series a
    source no longer sends loses that source's key and rows, not the other source's."""
    other = spec("keys_other")
    with writing(db_file) as con:
        load_batch(con, SPEC, _observations(["a", "b"], [0, 1]), location="a", sha256="1")
        load_batch(con, other, _observations(["b"], [2]), location="b", sha256="2")
    with connect_read(db_file) as con:
        keys = _pairs(con)
        assert [(s, src) for _, s, src in keys] == [
            ("a", "keys_test"),
            ("b", "keys_test"),
            ("b", "keys_other"),
        ]
    with writing(db_file) as con:
        load_batch(con, SPEC, _observations(["a", "b"], [0, 1]), location="a", sha256="1")
    with connect_read(db_file) as con:
        assert _pairs(con) == keys
    with writing(db_file) as con:
        load_batch(con, SPEC, _observations(["a", "a"], [0, 3]), location="a", sha256="3")
    with connect_read(db_file) as con:
        assert _pairs(con) == [k for k in keys if k[1:] != ("b", "keys_test")]
        assert _observed(con) == [("a", "keys_test", 2), ("b", "keys_other", 1)]


def test_an_empty_observation_frame_drops_the_sources_series_keys(db_file):
    with writing(db_file) as con:
        load_batch(con, SPEC, _observations(["a"], [0]), location="a", sha256="1")
        load_batch(con, SPEC, _observations([], []), location="a", sha256="2")
    with connect_read(db_file) as con:
        assert _pairs(con) == [] and _observed(con) == []


def test_series_ids_that_are_not_text_are_refused(db_file):
    batch = _observations(["a"], [0])
    batch.tables["observation"]["series_id"] = [7]
    with pytest.raises(IngestError, match=r"observation\.series_id: expected text, got int64"):
        _load(db_file, batch)


TEXT_KEYED = """
CREATE TABLE observation (
    series_id VARCHAR NOT NULL, ts TIMESTAMP NOT NULL, value DOUBLE, source_id VARCHAR NOT NULL
);
INSERT INTO observation VALUES
    ('pm25|TW-TPE|a', TIMESTAMP '2020-01-01 00:00', 1.0, 'old_one'),
    ('pm25|TW-TPE|a', TIMESTAMP '2020-01-01 01:00', 2.0, 'old_one'),
    ('pm25|TW-TPE|a', TIMESTAMP '2020-01-01 02:00', 3.0, 'old_two'),
    ('pm25|TW-TPE|b', TIMESTAMP '2020-01-01 00:00', NULL, 'old_two');
"""


def test_a_store_from_before_series_keys_is_brought_up_to_date_by_its_next_write(db_file):
    """Older stores named each observation's series and source in text: the next write moves
    every row under its pair's key, values and all, and loads work on top of it."""
    db_file.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(db_file)) as con:
        con.execute(TEXT_KEYED)
        assert pending_upgrades(con) == ["observation.series_key", "observation.lake"]
    with writing(db_file) as con:
        assert _observed(con) == [
            ("pm25|TW-TPE|a", "old_one", 2),
            ("pm25|TW-TPE|a", "old_two", 1),
            ("pm25|TW-TPE|b", "old_two", 1),
        ]
        assert con.execute(
            "SELECT sum(value), count(*) - count(value) FROM observation"
        ).fetchall() == [(6.0, 1)]
        load_batch(con, SPEC, _observations(["a"], [0]), location="a", sha256="1")
    with connect_read(db_file) as con:
        assert stored_columns(con, "observation") == ["series_key", "ts", "value"]
        assert [k for k, _, _ in _pairs(con)] == [1, 2, 3, 4]
        assert "observation_text_keyed" not in stored_tables(con)


def test_a_source_that_accumulates_keeps_earlier_rows_and_counts_them(db_file):
    """A rolling-window feed: later loads add hours and replace the ones sent again; its
    source row counts and dates all it stored. A replacing source drops the hours it no
    longer sends."""
    window = replace(SPEC, accumulates=True)
    with writing(db_file) as con:
        load_batch(con, window, _observations(["a"] * 3, [0, 1, 2]), location="w1", sha256="1")
        later = _observations(["a", "a", "b"], [2, 3, 3])
        later.tables["observation"]["value"] = [20.0, 30.0, 31.0]
        assert load_batch(con, window, later, location="w2", sha256="2") == 2 + 3
    with connect_read(db_file) as con:
        assert con.execute(
            "SELECT series_id, hour(ts), value FROM observation "
            "JOIN series_source USING (series_key) ORDER BY ALL"
        ).fetchall() == [
            ("a", 0, 0.0),
            ("a", 1, 1.0),
            ("a", 2, 20.0),
            ("a", 3, 30.0),
            ("b", 3, 31.0),
        ]
        assert con.execute("SELECT rows FROM source").fetchone() == (2 + 5,)
    with writing(db_file) as con:
        load_batch(con, SPEC, _observations(["a"], [5]), location="r", sha256="3")
    with connect_read(db_file) as con:
        assert _observed(con) == [("a", "keys_test", 1)]
        assert con.execute("SELECT rows FROM source").fetchone() == (2,)
