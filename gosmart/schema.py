"""The store's schema, declared once: every table, its columns, keys and who writes it.

Everything else is derived from `TABLES`: the DDL `gosmart.store.create_schema` runs, the
columns, kinds, merge keys and required values connectors are checked against on load
(`gosmart.connectors.core`), and the columns `gosmart.store.insert_rows` accepts. The
helpers at the end ask a store what it actually holds (an older one may lack a column).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import duckdb

# The column a connector's rows never carry: the core binds the loading source's id once.
PROVENANCE = "source_id"

# How a connector batch's column is checked and handed to DuckDB (gosmart.connectors.core):
# 'category' (text repeated on many rows, held as codes) is declared where used.
KINDS = {
    "VARCHAR": "str",
    "JSON": "str",
    "DOUBLE": "float",
    "INTEGER": "int",
    "BIGINT": "int",
    "DATE": "date",
    "TIMESTAMP": "ts",
    "BOOLEAN": "bool",
    "VARCHAR[]": "list",
}


class SchemaError(ValueError):
    """Rows that do not fit the declared table: a one-line message naming table and column."""


@dataclass(frozen=True)
class Column:
    """One column: its DuckDB type, whether it may be NULL, its SQL default, and a note."""

    name: str
    type: str
    nullable: bool = True
    default: str | None = None  # an SQL literal
    comment: str = ""
    loaded: bool = True  # whether a connector batch may carry it (derived columns may not)
    filled_in: bool = False  # kept from another source's row when a new row leaves it empty
    kind: str | None = None  # a connector kind other than the type's (see KINDS)

    @property
    def required(self) -> bool:
        """A row must name it: NOT NULL with no default."""
        return not self.nullable and self.default is None

    @property
    def load_kind(self) -> str:
        return self.kind or KINDS[self.type]


def req(name: str, type_: str, comment: str = "", **flags: Any) -> Column:
    """A NOT NULL column (`flags`: Column's loaded, filled_in, kind)."""
    return Column(name, type_, nullable=False, comment=comment, **flags)


def opt(name: str, type_: str, comment: str = "", **flags: Any) -> Column:
    """A column that may be NULL."""
    return Column(name, type_, comment=comment, **flags)


@dataclass(frozen=True)
class Table:
    """One table. `loaded` tables are written by connectors, merged on `merge_key` (the
    primary key unless given); `loaded_as` are columns a batch carries in place of stored ones."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    unique: tuple[str, ...] = ()
    comment: str = ""
    loaded: bool = False
    merge_key: tuple[str, ...] = ()
    loaded_as: tuple[Column, ...] = ()
    # Held in the lake (gosmart/lake.py) as Parquet; the store has a view of that name.
    in_lake: bool = False

    def __post_init__(self) -> None:
        names = self.names
        for key in (*self.primary_key, *self.unique, *self.merge_key):
            if key not in names and key not in {c.name for c in self.loaded_as}:
                raise SchemaError(f"{self.name}: key column {key!r} is not declared")

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        """Columns every inserted row must give a value for."""
        return [c.name for c in self.columns if c.required]

    def load_columns(self) -> list[Column]:
        """The columns a connector batch may carry, in table order."""
        stored = [c for c in self.columns if c.loaded and c.name != PROVENANCE]
        return [*self.loaded_as, *stored]

    @property
    def load_key(self) -> tuple[str, ...]:
        return self.merge_key or self.primary_key

    def ddl(self) -> str:
        """CREATE TABLE IF NOT EXISTS for this table, notes as SQL comments."""
        inline_key = self.primary_key if len(self.primary_key) == 1 else ()
        lines = []
        for c in self.columns:
            line = f"{c.name} {c.type}"
            if c.name in inline_key:
                line += " PRIMARY KEY"
            elif not c.nullable:
                line += " NOT NULL"
            if c.default is not None:
                line += f" DEFAULT {c.default}"
            lines.append((line, c.comment))
        if len(self.primary_key) > 1:
            lines.append((f"PRIMARY KEY ({', '.join(self.primary_key)})", ""))
        if self.unique:
            lines.append((f"UNIQUE ({', '.join(self.unique)})", ""))
        body = []
        for i, (line, comment) in enumerate(lines):
            text = f"    {line}{',' if i < len(lines) - 1 else ''}"
            body.append(f"{text}  -- {comment}" if comment else text)
        head = "".join(f"-- {part}\n" for part in self.comment.splitlines())
        return f"{head}CREATE TABLE IF NOT EXISTS {self.name} (\n" + "\n".join(body) + "\n);"


_TABLES = [
    Table("meta", (req("key", "VARCHAR"), req("value", "VARCHAR")), primary_key=("key",)),
    Table(
        "source",
        (
            req("source_id", "VARCHAR", "e.g. 'moenv_aqx_p_432'"),
            req("connector", "VARCHAR"),
            req("publisher", "VARCHAR"),
            req("title", "VARCHAR"),
            opt("url", "VARCHAR", "API endpoint or public page"),
            opt("location", "VARCHAR", "file path or URL actually read (no secrets)"),
            req("licence", "VARCHAR"),
            opt("attribution", "VARCHAR"),
            req("kind", "VARCHAR", "'live' | 'file' | 'snapshot' | 'reported'"),
            Column("third_party", "BOOLEAN", nullable=False, default="FALSE"),
            req("retrieved_at", "TIMESTAMP"),
            opt("sha256", "VARCHAR"),
            opt("rows", "BIGINT"),
            opt("period_start", "DATE"),
            opt("period_end", "DATE"),
            opt("note", "VARCHAR"),
        ),
        primary_key=("source_id",),
        comment="Provenance: every loaded row names one of these.",
    ),
    Table(
        "ingest_run",
        (
            req("run_id", "VARCHAR"),
            req("connector", "VARCHAR"),
            req("started_at", "TIMESTAMP"),
            opt("ended_at", "TIMESTAMP"),
            req("status", "VARCHAR", "'ok' | 'failed'"),
            opt("rows", "BIGINT"),
            opt("error", "VARCHAR"),
        ),
        primary_key=("run_id", "connector"),
    ),
    Table(
        "city",
        (
            req("city_id", "VARCHAR", "ISO 3166-2 ('TW-NWT', 'ID-JB') or 'ID-JB-3273'"),
            req("country", "VARCHAR"),
            req("level", "VARCHAR"),
            req("name_en", "VARCHAR"),
            req("name_zh", "VARCHAR"),
            opt("name_local", "VARCHAR"),
            opt("official_code", "VARCHAR"),
            opt("parent_id", "VARCHAR"),
            opt("geo_file", "VARCHAR"),
            opt("geo_id", "VARCHAR"),
            opt("lat", "DOUBLE"),
            opt("lon", "DOUBLE"),
        ),
        primary_key=("city_id",),
        comment="Registry (from datasets/registry, loaded on every build).",
    ),
    Table(
        "indicator",
        (
            req("indicator_id", "VARCHAR"),
            req("name_en", "VARCHAR"),
            req("name_zh", "VARCHAR"),
            req("unit", "VARCHAR"),
            opt("unit_zh", "VARCHAR"),
            req("direction", "VARCHAR", "'higher' | 'lower' | 'ambiguous' | 'none'"),
            req("native_grain", "VARCHAR", "'hourly' | 'daily' | 'monthly' | 'annual'"),
            req("aggregation", "VARCHAR", "how raw points become a city period value"),
            opt("per_capita_scale", "INTEGER", 'e.g. 10000 -> "per 10,000 residents"'),
            opt("iso37120", "VARCHAR"),
            Column("third_party", "BOOLEAN", nullable=False, default="FALSE"),
            opt("description_en", "VARCHAR"),
            opt("description_zh", "VARCHAR"),
        ),
        primary_key=("indicator_id",),
    ),
    Table(
        "project",
        (
            req("project_id", "VARCHAR"),
            req("award_year", "INTEGER"),
            req("name_en", "VARCHAR"),
            req("name_zh", "VARCHAR"),
            req("city_id", "VARCHAR"),
            opt("agency_en", "VARCHAR"),
            opt("agency_zh", "VARCHAR"),
            opt("summary_en", "VARCHAR"),
            opt("summary_zh", "VARCHAR"),
            opt("story_en", "VARCHAR"),
            opt("story_zh", "VARCHAR"),
            opt("launch_date", "DATE", "the date the analysis uses by default"),
            opt("launch_date_min", "DATE", "earliest date the sources allow"),
            opt("launch_date_max", "DATE", "latest date the sources allow"),
            opt("launch_confidence", "VARCHAR", "plain-language note on how sure we are"),
            opt("evidence_note_en", "VARCHAR"),
            opt("evidence_note_zh", "VARCHAR"),
            opt("data_status", "VARCHAR", "'evidence' | 'reported_only' | 'award_only'"),
            opt(
                "headline_metric",
                "VARCHAR",
                "milestone.metric used as headline when no official series",
            ),
            opt(
                "milestone_groups", "VARCHAR[]", "extra milestone.project_id values giving context"
            ),
        ),
        primary_key=("project_id",),
    ),
    Table(
        "project_date",
        (
            req("project_id", "VARCHAR"),
            req("kind", "VARCHAR", "'launch' | 'phase' | 'award'"),
            req("date", "DATE"),
            req("precision", "VARCHAR", "'day' | 'month' | 'year'"),
            req("label_en", "VARCHAR"),
            req("label_zh", "VARCHAR"),
            req("source_url", "VARCHAR"),
            req("confidence", "VARCHAR", "'confirmed' | 'reported' | 'inferred' | 'disputed'"),
            opt("note", "VARCHAR"),
        ),
    ),
    Table(
        "project_indicator",
        (
            req("project_id", "VARCHAR"),
            req("indicator_id", "VARCHAR"),
            req("role", "VARCHAR", "'headline' | 'target' | 'context'"),
            req(
                "expected_direction",
                "VARCHAR",
                "'up' | 'down' | 'ambiguous' | 'none' (context only)",
            ),
            opt("comparison_cities", "VARCHAR[]"),
            req("grain", "VARCHAR", "grain the evidence engine uses"),
            Column("per_capita", "BOOLEAN", nullable=False, default="FALSE"),
            opt("note", "VARCHAR"),
            opt("launch_date", "DATE", "this indicator's own analysis date (NULL: the project's)"),
            opt("launch_date_min", "DATE", "earliest date the sources allow for it"),
            opt("launch_date_max", "DATE", "latest date the sources allow for it"),
            opt("launch_confidence", "VARCHAR", "'<confidence>: <note>' for its own window"),
        ),
        primary_key=("project_id", "indicator_id"),
    ),
    Table(
        "event",
        (
            req("event_id", "VARCHAR"),
            req("kind", "VARCHAR", "'confounder' | 'data_break' | 'policy' | 'infrastructure'"),
            req("scope", "VARCHAR", "city_id, 'TW', 'ID' or 'global'"),
            opt("project_ids", "VARCHAR[]", "projects it bears on (empty = all in scope)"),
            opt("indicator_ids", "VARCHAR[]", "indicators it bears on (empty = all)"),
            req("date_start", "DATE"),
            opt("date_end", "DATE"),
            req("label_en", "VARCHAR"),
            req("label_zh", "VARCHAR"),
            req("source_url", "VARCHAR"),
            opt("note", "VARCHAR"),
        ),
        primary_key=("event_id",),
        comment="Confounders and data breaks, with dates and sources.",
    ),
    Table(
        "milestone",
        (
            req("milestone_id", "VARCHAR"),
            req("project_id", "VARCHAR"),
            req("as_of", "VARCHAR", "'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' as reported"),
            req("as_of_date", "DATE", "first day of that period, for plotting"),
            req("metric", "VARCHAR"),
            opt("value", "DOUBLE"),
            opt("unit", "VARCHAR"),
            opt("value_as_reported", "VARCHAR"),
            Column("lower_bound", "BOOLEAN", nullable=False, default="FALSE"),
            opt("reported_by", "VARCHAR"),
            req("url", "VARCHAR"),
            opt("note", "VARCHAR"),
            Column("reported", "BOOLEAN", nullable=False, default="TRUE", loaded=False),
            req("source_id", "VARCHAR"),
        ),
        primary_key=("milestone_id",),
        comment="Figures reported in news and press releases: never an official series.",
        loaded=True,
    ),
    Table(
        "station",
        (
            req("station_id", "VARCHAR", "'<network>:<native id>'"),
            req("network", "VARCHAR", "'moenv' | 'airbox' | 'krtc' | 'klrt' | 'trtc' | 'dki'"),
            req("name", "VARCHAR"),
            # A station register knows these where a feed of readings sends bare ids.
            opt("name_en", "VARCHAR", filled_in=True),
            opt("city_id", "VARCHAR", filled_in=True),
            opt("lat", "DOUBLE", filled_in=True),
            opt("lon", "DOUBLE", filled_in=True),
            opt("kind", "VARCHAR", filled_in=True),
            req("source_id", "VARCHAR"),
        ),
        primary_key=("station_id",),
        loaded=True,
    ),
    Table(
        "series",
        (
            req("series_id", "VARCHAR", "'<indicator>|<city>|<entity>'"),
            req("indicator_id", "VARCHAR"),
            req("city_id", "VARCHAR"),
            req("entity_id", "VARCHAR", "station_id, line, or 'city'"),
            req("grain", "VARCHAR"),
            req("unit", "VARCHAR"),
            req("source_id", "VARCHAR"),
        ),
        primary_key=("series_id",),
        comment="Raw observations: one series per (indicator, city, entity).",
        loaded=True,
    ),
    Table(
        "series_source",
        (
            req("series_key", "INTEGER"),
            req("series_id", "VARCHAR"),
            req("source_id", "VARCHAR"),
        ),
        primary_key=("series_key",),
        unique=("series_id", "source_id"),
        comment="One series as loaded by one source (a series may be fed by several, e.g. two "
        "file\nperiods), under a small integer key: the observation table holds numbers only.",
    ),
    Table(
        "observation",
        (
            req("series_key", "INTEGER", "series_source.series_key", loaded=False),
            req("ts", "TIMESTAMP"),
            opt("value", "DOUBLE"),
        ),
        comment="Key (series, ts), checked by connectors/core.py on load rather than by an "
        "index.\nHeld in the lake as Parquet partitioned by source and month (gosmart/lake.py); "
        "the store\nhas a view of the live files under this name.",
        loaded=True,
        in_lake=True,
        merge_key=("series_id", "ts"),
        # A batch names its series; the core stores each under its (series, source) key.
        loaded_as=(req("series_id", "VARCHAR", kind="category"),),
    ),
    Table(
        "lake_file",
        (
            req("path", "VARCHAR", "relative to the lake's root"),
            req("dataset", "VARCHAR", "'observation' | 'series_period' | 'series'"),
            opt("source_id", "VARCHAR", "partition: the source"),
            opt("grain", "VARCHAR", "partition (series_period): the grain"),
            opt("part", "VARCHAR", "partition: 'YYYY-MM' (observation month, bucket) or 'YYYY'"),
            req("rows", "BIGINT"),
            opt("min_ts", "TIMESTAMP"),
            opt("max_ts", "TIMESTAMP"),
            opt("fingerprint", "VARCHAR", "order-free hash of a raw file's rows"),
        ),
        primary_key=("path",),
        comment="The lake's live files: changed in the store's write transaction, so the store's "
        "swap\ncommits the lake too, and the store always names the files it was derived from.",
    ),
    Table(
        "lake_pending",
        (req("source_id", "VARCHAR"), req("month", "VARCHAR", "'YYYY-MM'")),
        primary_key=("source_id", "month"),
        comment="Raw partitions changed since the last derive (connectors/derive.py).",
    ),
    Table(
        "derive_input",
        (
            req("kind", "VARCHAR", "'series' | 'indicator' | 'station' | 'direct'"),
            req("key", "VARCHAR"),
            opt("source_id", "VARCHAR"),
            opt("indicator_id", "VARCHAR"),
            opt("city_id", "VARCHAR"),
            opt("entity_id", "VARCHAR"),
            opt("yr", "INTEGER"),
            opt("fingerprint", "VARCHAR"),
        ),
        primary_key=("kind", "key"),
        comment="What the last derive read besides raw observations, so the next one re-derives "
        "what\nchanged (connectors/derive.py).",
    ),
    Table(
        "indicator_value",
        (
            req("indicator_id", "VARCHAR"),
            req("city_id", "VARCHAR"),
            req(
                "grain",
                "VARCHAR",
                "'daily' | 'weekly' (ISO, from Monday) | 'monthly' | 'annual'",
            ),
            req("period_start", "DATE"),
            opt("value", "DOUBLE"),
            opt(
                "value_per_capita",
                "DOUBLE",
                "value / population * indicator.per_capita_scale",
                loaded=False,
            ),
            opt("coverage", "DOUBLE", "share of expected raw points present, 0..1"),
            opt("n_points", "INTEGER"),
            req("source_id", "VARCHAR"),
        ),
        primary_key=("indicator_id", "city_id", "grain", "period_start"),
        comment="City-level values per period, derived from observations (or loaded at city "
        "grain).",
        loaded=True,
    ),
    Table(
        "station_value",
        (
            req("indicator_id", "VARCHAR"),
            req("station_id", "VARCHAR"),
            req("grain", "VARCHAR"),
            req("period_start", "DATE"),
            opt("value", "DOUBLE"),
            opt("coverage", "DOUBLE"),
            req("source_id", "VARCHAR"),
        ),
        primary_key=("indicator_id", "station_id", "grain", "period_start"),
        comment="Station-level period values, for maps (small; shipped in the snapshot).",
    ),
    Table(
        "effect",
        (
            req("project_id", "VARCHAR"),
            req("indicator_id", "VARCHAR"),
            req(
                "method",
                "VARCHAR",
                "'synthetic_control' | 'did' | 'its' | 'descriptive' | ...",
            ),
            req("is_primary", "BOOLEAN"),
            req("estimable", "BOOLEAN"),
            opt("reason", "VARCHAR", "why this design, or why not estimable"),
            opt("effect_avg", "DOUBLE"),
            opt("effect_avg_lo", "DOUBLE"),
            opt("effect_avg_hi", "DOUBLE"),
            opt("effect_rel", "DOUBLE", "relative to the counterfactual, as a fraction"),
            opt("effect_rel_lo", "DOUBLE"),
            opt("effect_rel_hi", "DOUBLE"),
            opt("effect_cum", "DOUBLE"),
            opt("effect_cum_lo", "DOUBLE"),
            opt("effect_cum_hi", "DOUBLE"),
            opt("p_value", "DOUBLE"),
            opt("p_value_kind", "VARCHAR"),
            opt("pre_rmspe", "DOUBLE"),
            opt("pre_fit_r2", "DOUBLE"),
            opt("evidence_level", "INTEGER", "1..5"),
            opt("evidence_reason", "VARCHAR"),
            opt("agreement", "VARCHAR"),
            opt("details", "JSON", "weights, placebo results, caveats, sensitivity"),
            opt("launch_date", "DATE"),
            opt("pre_start", "DATE"),
            opt("pre_end", "DATE"),
            opt("post_start", "DATE"),
            opt("post_end", "DATE"),
            opt("seed", "INTEGER"),
            req("data_version", "VARCHAR"),
            req("code_version", "VARCHAR"),
            req("computed_at", "TIMESTAMP"),
            opt(
                "per_capita",
                "BOOLEAN",
                "estimated on values per N residents (last: older stores gain it by ALTER)",
            ),
            # Older stores gain the columns below by ALTER, in this order (gosmart.store).
            opt(
                "verdict",
                "VARCHAR",
                "'clear_increase' | 'clear_decrease' | 'no_clear_change' | 'not_estimable'",
            ),
            opt("se", "DOUBLE", "standard error of effect_avg, where the method has one"),
            opt("p_value_min", "DOUBLE", "a permutation p-value's floor, 1 / (J + 1)"),
            opt("p_value_test", "VARCHAR", "'permutation' | 'placebo_se' | 'hac' | 'welch'"),
            opt("mde", "DOUBLE", "minimum detectable effect (80% power, 5% two-sided)"),
            opt("mde_rel", "DOUBLE", "the same as a fraction of the counterfactual"),
            opt("mde_kind", "VARCHAR", "what the MDE rests on: 'placebo' | 'model'"),
        ),
        primary_key=("project_id", "indicator_id", "method"),
        comment="Evidence engine output (written by `gosmart evidence`).",
    ),
    Table(
        "effect_path",
        (
            req("project_id", "VARCHAR"),
            req("indicator_id", "VARCHAR"),
            req("method", "VARCHAR"),
            req("period_start", "DATE"),
            opt("observed", "DOUBLE"),
            opt("counterfactual", "DOUBLE"),
            opt("lo", "DOUBLE"),
            opt("hi", "DOUBLE"),
        ),
        primary_key=("project_id", "indicator_id", "method", "period_start"),
    ),
    Table(
        "placebo",
        (
            req("project_id", "VARCHAR"),
            req("indicator_id", "VARCHAR"),
            req("method", "VARCHAR"),
            req("kind", "VARCHAR", "'space' | 'time' | 'leave_one_out' | 'launch_sensitivity'"),
            req("unit", "VARCHAR", "donor city, fake date, dropped donor, tried date"),
            opt("effect_avg", "DOUBLE"),
            opt("post_pre_ratio", "DOUBLE"),
            opt("pre_rmspe", "DOUBLE"),
            opt("path", "JSON", "[[period_start, gap], ...] for the gallery"),
        ),
        primary_key=("project_id", "indicator_id", "method", "kind", "unit"),
    ),
]
TABLES: dict[str, Table] = {t.name: t for t in _TABLES}


def table(name: str) -> Table:
    """The declared table `name`, or a SchemaError naming it."""
    try:
        return TABLES[name]
    except KeyError:
        raise SchemaError(f"unknown table {name!r}") from None


def columns(name: str) -> list[str]:
    """The declared column names of a table, in table order."""
    return table(name).names


@cache
def ddl() -> str:
    """Every CREATE TABLE IF NOT EXISTS, in declaration order."""
    return "\n\n".join(t.ddl() for t in _TABLES if not t.in_lake) + "\n"


def check_columns(name: str, given: list[str] | tuple[str, ...] | set[str]) -> None:
    """Refuse a column the table lacks, or rows that leave out a required one."""
    declared = table(name)
    names = set(declared.names)
    for col in given:
        if col not in names:
            raise SchemaError(f"{name}: unknown column {col!r}")
    for col in declared.required:
        if col not in given:
            raise SchemaError(f"{name}: missing required column {col!r}")


# ---------------------------------------------------------------- what a store holds

STORED_TABLES = """
SELECT table_name FROM information_schema.tables
WHERE table_catalog = current_database() AND table_schema = 'main'
  AND table_type = 'BASE TABLE'
ORDER BY table_name
"""
STORED_COLUMNS = """
SELECT column_name FROM information_schema.columns
WHERE table_catalog = current_database() AND table_schema = 'main' AND table_name = ?
ORDER BY ordinal_position
"""


def stored_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables the connected store holds, by name."""
    return [r[0] for r in con.execute(STORED_TABLES).fetchall()]


def stored_columns(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    """The columns a table of the connected store holds, in order ([] for a missing table)."""
    return [r[0] for r in con.execute(STORED_COLUMNS, [name]).fetchall()]


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return name in stored_tables(con)


def has_column(con: duckdb.DuckDBPyConnection, name: str, column: str) -> bool:
    return column in stored_columns(con, name)
