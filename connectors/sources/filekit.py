"""Shared helpers for the file parsers: read bytes into frames, check columns, coerce numbers.

Every helper raises `IngestError` naming the source, the file and the problem, so a
malformed file gives one clear line and nothing is loaded.
"""

from __future__ import annotations

import csv
import io
from functools import cache

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from connectors.errors import IngestError
from gosmart.paths import REGISTRY_DIR


def read_csv(raw: bytes, source_id: str, location: str, required: list[str]) -> pd.DataFrame:
    """A CSV as text columns (empty cells stay ''), refusing missing columns and bad bytes."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(source_id, location, f"not UTF-8 text ({exc.reason})") from None
    if not text.strip():
        raise IngestError(source_id, location, "empty file")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, csv.Error) as exc:
        raise IngestError(source_id, location, f"malformed CSV: {str(exc)[:120]}") from None
    require_columns(frame, source_id, location, required)
    return frame


def read_parquet(raw: bytes, source_id: str, location: str, required: list[str]) -> pd.DataFrame:
    """Only the required columns of a Parquet file, refusing truncated files and missing columns."""
    try:
        pf = pq.ParquetFile(pa.BufferReader(raw))
        names = pf.schema_arrow.names
        missing = [c for c in required if c not in names]
        if missing:
            raise IngestError(source_id, location, f"missing column(s) {', '.join(missing)}")
        table = pf.read(columns=required)
    except (pa.ArrowInvalid, OSError) as exc:
        raise IngestError(source_id, location, f"unreadable Parquet: {str(exc)[:120]}") from None
    return table.to_pandas()


def require_columns(
    frame: pd.DataFrame, source_id: str, location: str, required: list[str]
) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise IngestError(source_id, location, f"missing column(s) {', '.join(missing)}")


def numbers(
    values: pd.Series, source_id: str, location: str, column: str, *, allow_empty: bool = False
) -> pd.Series:
    """Numbers from text (thousands commas removed); a non-numeric cell is an error naming it."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        out = values.astype("float64")
        if out.isna().any() and not allow_empty:
            raise IngestError(
                source_id, location, f"column {column}: {int(out.isna().sum())} empty cell(s)"
            )
        return out
    text = values.astype("string").str.strip().str.replace(",", "", regex=False)
    empty = text.isna() | (text == "")
    out = pd.to_numeric(text.where(~empty), errors="coerce")
    bad = out.isna() & ~empty
    if bad.any():
        first = values[bad].iloc[0]
        raise IngestError(
            source_id, location, f"column {column}: non-numeric value {first!r} ({int(bad.sum())})"
        )
    if empty.any() and not allow_empty:
        raise IngestError(source_id, location, f"column {column}: {int(empty.sum())} empty cell(s)")
    return out.astype("float64")


def years(values: pd.Series, source_id: str, location: str, column: str) -> pd.Series:
    """Four-digit years as integers, refusing anything else."""
    out = numbers(values, source_id, location, column)
    if ((out < 1900) | (out > 2100) | (out % 1 != 0)).any():
        bad = values[(out < 1900) | (out > 2100) | (out % 1 != 0)].iloc[0]
        raise IngestError(source_id, location, f"column {column}: not a year {bad!r}")
    return out.astype(int)


def dates(
    values: pd.Series, source_id: str, location: str, column: str, fmt: str | None = None
) -> pd.Series:
    """Timestamps from text or datetime values; an unparseable cell is an error naming it."""
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values
    else:
        out = pd.to_datetime(values, errors="coerce", format=fmt)
    bad = out.isna()
    if bad.any():
        raise IngestError(
            source_id, location, f"column {column}: not a date {values[bad].iloc[0]!r}"
        )
    return out


@cache
def city_by_name_zh() -> dict[str, str]:
    """Chinese city name -> city id from the registry, accepting both 臺 and 台."""
    with open(REGISTRY_DIR / "cities.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out: dict[str, str] = {}
    for r in rows:
        if r["country"] == "TW":
            out[r["name_zh"]] = r["city_id"]
            out[r["name_zh"].replace("臺", "台")] = r["city_id"]
    return out


@cache
def city_by_code() -> dict[str, str]:
    """Official code (MOI 5-digit, BPS 4-digit) -> city id from the registry."""
    with open(REGISTRY_DIR / "cities.csv", encoding="utf-8", newline="") as fh:
        return {r["official_code"]: r["city_id"] for r in csv.DictReader(fh) if r["official_code"]}


def city_series(
    indicator: str, city_ids: pd.Series, grain: str, unit: str, entity: pd.Series | str = "city"
) -> pd.DataFrame:
    """Series rows, one per distinct (city, entity), named '<indicator>|<city>|<entity>'."""
    frame = pd.DataFrame({"city_id": city_ids.to_numpy()})
    frame["entity_id"] = entity if isinstance(entity, str) else entity.to_numpy()
    frame = frame.drop_duplicates().reset_index(drop=True)
    frame["series_id"] = indicator + "|" + frame["city_id"] + "|" + frame["entity_id"]
    frame["indicator_id"] = indicator
    frame["grain"] = grain
    frame["unit"] = unit
    return frame[["series_id", "indicator_id", "city_id", "entity_id", "grain", "unit"]]


def observations(series_ids: pd.Series, ts: pd.Series, values: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {"series_id": series_ids.to_numpy(), "ts": ts.to_numpy(), "value": values.to_numpy()}
    )
