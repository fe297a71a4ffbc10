"""The schema declared once (gosmart.schema): the store it creates, the rows it accepts.

`fixtures/schema/store_schema.json` is the store `gosmart/sql/schema.sql` created before the
catalogue replaced it (frozen from commit 9bfd1df): every table, column, type, NULL rule,
default and constraint. Stores written since, and the bundled snapshot, depend on it. Changed
on purpose since, each change with its upgrade in `gosmart.store.UPGRADES`: the effect's
verdict, standard error, p-value floor and test, and MDE columns (issue 13).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from gosmart import schema
from gosmart.connectors.core import Batch, SourceSpec, load_batch
from gosmart.connectors.errors import IngestError
from gosmart.missing import finite, is_missing, or_none
from gosmart.store import connect_read, create_schema, data_version, insert_rows, writing

FROZEN = Path(__file__).parent / "fixtures" / "schema" / "store_schema.json"
COLUMNS = """
SELECT table_name, column_name, data_type, is_nullable, column_default
FROM information_schema.columns WHERE table_schema = 'main'
ORDER BY table_name, ordinal_position
"""
CONSTRAINTS = """
SELECT table_name, constraint_type, constraint_column_names
FROM duckdb_constraints() WHERE schema_name = 'main'
ORDER BY ALL
"""


def describe(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, list]]:
    """Per table: its columns (name, type, nullable, default) in order, and its constraints."""
    tables: dict[str, dict[str, list]] = {}
    for table, *column in con.execute(COLUMNS).fetchall():
        tables.setdefault(table, {"columns": [], "constraints": []})["columns"].append(column)
    for table, kind, names in con.execute(CONSTRAINTS).fetchall():
        tables[table]["constraints"].append([kind, names])
    return tables


# Added since the freeze: the lake's catalogue in the store (gosmart/lake.py, connectors/derive.py);
# the observation table moved into the lake (the store keeps a view of it).
SINCE_FROZEN = {"lake_file", "lake_pending", "derive_input"}
IN_LAKE = {t.name for t in schema.TABLES.values() if t.in_lake}


def test_the_catalogue_creates_the_store_schema_sql_created():
    con = duckdb.connect()
    create_schema(con)
    created = describe(con)
    frozen = json.loads(FROZEN.read_text(encoding="utf-8"))
    assert {t: d for t, d in created.items() if t not in SINCE_FROZEN} == {
        t: d for t, d in frozen.items() if t not in IN_LAKE
    }
    assert IN_LAKE == {"observation"} and SINCE_FROZEN <= set(created)
    assert schema.stored_tables(con) == sorted(set(schema.TABLES) - IN_LAKE)
    for name, declared in schema.TABLES.items():
        if name not in IN_LAKE:
            assert schema.stored_columns(con, name) == declared.names


def test_creating_the_schema_again_changes_nothing(db_file):
    with writing(db_file) as con:
        insert_rows(con, "meta", [{"key": "k", "value": "v"}])
    with writing(db_file) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'k'").fetchone() == ("v",)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"key": "k", "value": "v", "colour": "red"}], "meta: unknown column 'colour'"),
        ([{"key": "k"}], "meta: missing required column 'value'"),
        (
            [{"key": "a", "value": "1"}, {"key": "b"}],
            "meta: column 'value' is not in every row",
        ),
    ],
)
def test_rows_are_checked_by_column_name_and_a_bad_one_leaves_the_store_alone(
    db_file, rows, message
):
    with writing(db_file) as con:
        insert_rows(con, "meta", [{"key": "kept", "value": "yes"}])
    before = data_version(connect_read(db_file))
    with pytest.raises(schema.SchemaError) as caught, writing(db_file) as con:
        insert_rows(con, "meta", rows)
    assert str(caught.value) == message
    with connect_read(db_file) as con:
        assert data_version(con) == before
        assert con.execute(
            "SELECT key, value FROM meta WHERE key NOT IN ('data_version', 'lake')"
        ).fetchall() == [("kept", "yes")]


def test_rows_bind_by_name_whatever_order_their_keys_come_in(db_file):
    row = {
        "computed_at": datetime(2026, 1, 1),
        "code_version": "c",
        "data_version": "d",
        "estimable": False,
        "is_primary": True,
        "method": "did",
        "indicator_id": "ind",
        "project_id": "p",
        "effect_avg": 1.5,
    }
    with writing(db_file) as con:
        insert_rows(con, "effect", [row])
    with connect_read(db_file) as con:
        got = con.execute(
            "SELECT project_id, indicator_id, method, is_primary, estimable, effect_avg, "
            "effect_rel, code_version, data_version FROM effect"
        ).fetchall()
    assert got == [("p", "ind", "did", True, False, 1.5, None, "c", "d")]


def test_an_unknown_table_is_named():
    with pytest.raises(schema.SchemaError, match="unknown table 'effects'"):
        schema.check_columns("effects", ["project_id"])


SPEC = SourceSpec(
    source_id="schema_test",
    connector="tests",
    publisher="tests",
    title="SYNTHETIC rows",
    licence="none",
    attribution="tests",
    parse=lambda raw, location: Batch(),
)


def _values(**extra: list) -> Batch:
    frame = pd.DataFrame(
        {
            "indicator_id": ["pm25"],
            "city_id": ["TW-KHH"],
            "grain": ["annual"],
            "period_start": [date(2020, 1, 1)],
            "value": [1.0],
            **extra,
        }
    )
    return Batch({"indicator_value": frame})


def test_connectors_load_the_declared_columns_and_no_derived_one(db_file):
    """A loaded table takes what the catalogue lets a connector send: the per-capita value
    is derived at ingest and the source id bound by the core, so a batch may carry neither."""
    with writing(db_file) as con:
        assert load_batch(con, SPEC, _values(), location="x", sha256="0") == 1
        for column in ("value_per_capita", "source_id"):
            with pytest.raises(IngestError, match=f"indicator_value: unexpected column.*{column}"):
                load_batch(con, SPEC, _values(**{column: [2.0]}), location="x", sha256="0")
    with pytest.raises(IngestError, match=r"indicator_value\.grain: 1 empty value"):
        with writing(db_file) as con:
            load_batch(con, SPEC, _values(grain=[None]), location="x", sha256="0")
    with connect_read(db_file) as con:
        assert con.execute("SELECT source_id, value FROM indicator_value").fetchall() == [
            ("schema_test", 1.0)
        ]


def test_an_older_store_is_asked_what_it_holds(db_file):
    with writing(db_file) as con:
        con.execute("ALTER TABLE effect DROP COLUMN per_capita")
    with connect_read(db_file) as con:  # an attached, read-only store
        assert schema.has_table(con, "effect") and not schema.has_table(con, "effects")
        assert not schema.has_column(con, "effect", "per_capita")
        assert schema.has_column(con, "effect", "effect_avg")
        assert schema.stored_columns(con, "effects") == []


@pytest.mark.parametrize(
    "value",
    [None, float("nan"), np.float32("nan"), np.nan, pd.NaT, np.datetime64("NaT"), pd.NA],
)
def test_every_marker_of_no_value_is_missing(value):
    assert is_missing(value) and or_none(value) is None


@pytest.mark.parametrize(
    "value", [0, 0.0, "", "nan", [], [float("nan")], np.array([1.0]), date(2020, 1, 1), False]
)
def test_values_are_not_missing(value):
    assert not is_missing(value) and or_none(value) is value


def test_finite_stores_no_fake_number():
    assert [finite(x) for x in (None, float("inf"), -np.inf, np.nan, np.float32(2.5), 3)] == [
        None,
        None,
        None,
        None,
        2.5,
        3.0,
    ]
    assert type(finite(np.float64(1.0))) is float
