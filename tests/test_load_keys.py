"""A batch may not hold a key twice, whatever order its rows come in (connectors/core.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from connectors.core import Batch, load_batch
from connectors.errors import IngestError
from gosmart.store import connect_read, writing
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
        assert con.execute("SELECT series_id FROM observation").fetchall() == [("z",)]


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
