"""Where the derive definition (connectors/sql/derive.sql) runs: DuckDB, or Apache Spark.

The definition is one SQL text in DuckDB's dialect, a sequence of named SELECTs. DuckDB runs
each as written, inside the store's write transaction. Spark runs each as SQLGlot transpiles
it to Spark SQL, on Parquet: the lake's files as they are, the small inputs exported from the
store, and the outputs written back as Parquet for the store to load. Nothing is maintained
twice: a step that one engine cannot run is a bug in the definition, caught by the parity test
(tests/test_derive_engines.py).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from gosmart.lake import Lake, quoted, raw_sql
from gosmart.resources import read_sql

# What the orchestrator hands over (temp tables in the store's connection), and what the
# definition returns. in_raw and in_stored are read from lake files.
SMALL_INPUTS = (
    "in_keys",
    "in_recomputed",
    "in_indicator",
    "in_station",
    "in_direct",
    "in_scope",
    "in_station_scope",
)
OUTPUTS = ("d_out", "d_city_value", "d_station_value")
# Steps DuckDB keeps as tables (read more than once, or costly); the others stay views, so
# its optimizer runs them within the steps that read them (no copy of the year's partials).
MATERIALISED = {"d_fine", "d_series_value", "d_active", "d_city_keys", "d_station_month", *OUTPUTS}
STEP_MARK = "-- step: "


@cache
def steps() -> tuple[tuple[str, str], ...]:
    """(name, SELECT) of every step of the definition, in order."""
    text = read_sql("gosmart.connectors", "derive")
    found = []
    for chunk in text.split(STEP_MARK)[1:]:
        name, body = chunk.split("\n", 1)
        found.append((name.strip(), body.strip().rstrip(";")))
    return tuple(found)


@cache
def spark_steps() -> tuple[tuple[str, str], ...]:
    """The same steps in Spark SQL, as SQLGlot writes them."""
    import sqlglot

    return tuple(
        (name, sqlglot.transpile(sql, read="duckdb", write="spark")[0]) for name, sql in steps()
    )


@dataclass
class Inputs:
    """The lake files a run reads; the small inputs are temp tables in the connection."""

    raw_files: list[str] = field(default_factory=list)
    stored_files: list[str] = field(default_factory=list)


STORED_EMPTY = """
SELECT CAST(NULL AS VARCHAR) AS source_id, CAST(NULL AS INTEGER) AS series_key,
       CAST(NULL AS VARCHAR) AS series_id, CAST(NULL AS VARCHAR) AS indicator_id,
       CAST(NULL AS VARCHAR) AS city_id, CAST(NULL AS VARCHAR) AS entity_id,
       CAST(NULL AS VARCHAR) AS series_grain, CAST(NULL AS VARCHAR) AS grain,
       CAST(NULL AS DATE) AS period_start, CAST(NULL AS BIGINT) AS n,
       CAST(NULL AS DOUBLE) AS total, CAST(NULL AS TIMESTAMP) AS first_ts,
       CAST(NULL AS TIMESTAMP) AS last_ts, CAST(NULL AS DOUBLE) AS last_value,
       CAST(NULL AS VARCHAR) AS bucket
WHERE false
"""


def stored_sql(files: list[str]) -> str:
    """SQL reading stored partials (source_id, grain and bucket from their paths)."""
    if not files:
        return STORED_EMPTY
    listed = ", ".join(quoted(f) for f in files)
    return (
        "SELECT source_id, series_key, series_id, indicator_id, city_id, entity_id, "  # noqa: S608 - quoted file paths
        "series_grain, grain, period_start, n, total, first_ts, last_ts, last_value, bucket "
        f"FROM read_parquet([{listed}], hive_partitioning = true, hive_types_autocast = false)"
    )


def run_duckdb(con: duckdb.DuckDBPyConnection, inputs: Inputs) -> None:
    """Every step in the store's connection (a temp table or view); the outputs stay there."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW in_raw AS {raw_sql(inputs.raw_files)}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW in_stored AS {stored_sql(inputs.stored_files)}")
    for name, sql in steps():
        kind = "TABLE" if name in MATERIALISED else "VIEW"
        con.execute(f"CREATE OR REPLACE TEMP {kind} {name} AS {sql}")
    for name, _ in reversed(steps()):
        if name not in OUTPUTS:
            kind = "TABLE" if name in MATERIALISED else "VIEW"
            con.execute(f"DROP {kind} {name}")


class SparkEngine:
    """A SparkSession (local mode by default, a cluster through Spark Connect with
    `remote`), made once per process and reused."""

    _session: Any = None

    def __init__(
        self,
        master: str = "local[2]",
        remote: str | None = None,
        memory: str = "1g",
        partitions: int = 2,
    ) -> None:
        self.master, self.remote, self.memory, self.partitions = master, remote, memory, partitions

    def session(self) -> Any:
        if SparkEngine._session is None:
            from pyspark.sql import SparkSession

            builder = SparkSession.builder.appName("gosmart-derive")
            if self.remote:
                builder = builder.remote(self.remote)
            else:
                builder = (
                    builder.master(self.master)
                    .config("spark.driver.memory", self.memory)
                    .config("spark.ui.enabled", "false")
                    .config("spark.ui.showConsoleProgress", "false")
                    .config("spark.sql.shuffle.partitions", str(self.partitions))
                    .config("spark.sql.adaptive.enabled", "true")
                )
            builder = builder.config("spark.sql.session.timeZone", "UTC").config(
                "spark.sql.sources.partitionColumnTypeInference.enabled", "false"
            )
            SparkEngine._session = builder.getOrCreate()
            if not self.remote:  # a Spark Connect client has no SparkContext; its server logs
                SparkEngine._session.sparkContext.setLogLevel("ERROR")
        return SparkEngine._session

    def run(self, con: duckdb.DuckDBPyConnection, inputs: Inputs, lake: Lake) -> None:
        """Export the small inputs as Parquet, run the transpiled steps on Spark, and load the
        outputs into temp tables of `con` under the same names."""
        spark = self.session()
        work = Path(tempfile.mkdtemp(prefix="gosmart-spark-"))
        try:
            read: dict[str, Callable[[], Any]] = {}
            for name in SMALL_INPUTS:
                target = work / f"{name}.parquet"
                con.execute(f"COPY (SELECT * FROM {name}) TO {quoted(target)} (FORMAT parquet)")  # noqa: S608 - input names from code
                read[name] = lambda t=target: spark.read.parquet(str(t))
            for name, files, empty, base in (
                ("in_raw", inputs.raw_files, raw_sql([]), lake.spark_path("observation")),
                ("in_stored", inputs.stored_files, STORED_EMPTY, lake.spark_path("series_period")),
            ):
                if files:
                    read[name] = lambda f=files, b=base: spark.read.option("basePath", b).parquet(
                        *f
                    )
                else:
                    target = work / f"{name}.parquet"
                    con.execute(f"COPY ({empty}) TO {quoted(target)} (FORMAT parquet)")
                    read[name] = lambda t=target: spark.read.parquet(str(t))
            for name, load in read.items():
                load().createOrReplaceTempView(name)
            for name, sql in spark_steps():
                frame = spark.sql(sql)
                if name in ("d_fine", "d_partials", "d_series_value"):
                    frame = frame.cache()
                frame.createOrReplaceTempView(name)
            for name in OUTPUTS:
                target = work / name
                spark.table(name).write.mode("overwrite").parquet(str(target))
                con.execute(
                    f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM "  # noqa: S608 - names from code, quoted path
                    f"read_parquet({quoted(target / '*.parquet')})"
                )
            spark.catalog.clearCache()
        finally:
            shutil.rmtree(work, ignore_errors=True)
