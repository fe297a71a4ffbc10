"""What every source parser shares: bytes to frames, numbers and dates as published, city ids.

Every helper raises `IngestError` naming the source, the file or URL and the problem,
so a malformed input gives one clear line and nothing is loaded.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from gosmart.connectors.errors import IngestError
from gosmart.missing import is_missing
from gosmart.registry import read_csv_rows
from gosmart.resources import REGISTRY_DIR

# Compiled copies of government figures kept in public repositories that state no licence.
UNLICENSED = "none stated (public repository without a licence)"
MISSING_TOKENS = frozenset({"", "-", "--", "—"})
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$|^[+-]?\.\d+$")
_ASCII_NUMBER = _NUMBER.pattern.replace(r"\d", "[0-9]")  # whole-column fast path only
_MISSING_ARROW = pa.array(sorted(MISSING_TOKENS), type=pa.string())
_TEXT = pd.StringDtype("pyarrow")


def looks_like_parquet(raw: bytes) -> bool:
    return raw[:4] == b"PAR1"


def looks_like_json(raw: bytes) -> bool:
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return head in (b"{", b"[")


def decode_utf8(raw: bytes, source_id: str, location: str) -> str:
    """UTF-8 text (a BOM is dropped); other encodings are refused, never guessed."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(source_id, location, f"not valid UTF-8 (byte {exc.start})") from None


def require_columns(
    present: Iterable[Any],
    required: Iterable[str],
    source_id: str,
    location: str,
    where: str = "",
) -> None:
    """Refuse a frame or record lacking a required column, naming the columns it has."""
    have = [str(c) for c in present]
    missing = [c for c in required if c not in have]
    if missing:
        raise IngestError(
            source_id,
            location,
            f"{where}missing column(s) {', '.join(missing)}; columns: {', '.join(have[:40])}",
        )


def read_csv(
    raw: bytes, source_id: str, location: str, required: Sequence[str] = ()
) -> pd.DataFrame:
    """A UTF-8 CSV as text columns, values exactly as published (empty cells stay '')."""
    text = decode_utf8(raw, source_id, location)
    if not text.strip():
        raise IngestError(source_id, location, "empty file")
    try:
        header = next(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise IngestError(source_id, location, f"malformed CSV: {str(exc)[:120]}") from None
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        raise IngestError(source_id, location, f"column(s) named twice: {', '.join(twice)}")
    require_columns(header, required, source_id, location)
    try:
        table = pacsv.read_csv(
            pa.BufferReader(raw.removeprefix(codecs.BOM_UTF8)),  # checked as UTF-8 above
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid as exc:
        raise IngestError(source_id, location, f"malformed CSV: {str(exc)[:120]}") from None
    return table.to_pandas()


def read_parquet(
    raw: bytes, source_id: str, location: str, required: Sequence[str] | None = None
) -> pd.DataFrame:
    """A Parquet file (only the `required` columns if given); a damaged file is one clear error."""
    try:
        pf = pq.ParquetFile(pa.BufferReader(raw))
        names = pf.schema_arrow.names
    except (pa.ArrowException, OSError) as exc:
        raise IngestError(source_id, location, f"unreadable Parquet: {str(exc)[:120]}") from None
    if required is not None:
        require_columns(names, required, source_id, location)
    try:
        table = pf.read(columns=None if required is None else list(required))
    except (pa.ArrowException, OSError) as exc:
        raise IngestError(source_id, location, f"unreadable Parquet: {str(exc)[:120]}") from None
    return table.to_pandas()


def to_number(value: Any, source_id: str, location: str, what: str) -> float | None:
    """A published value as float: '' and '-' are missing (None), never 0.

    Strings may carry thousands separators ('1,005,564'). Anything else that is
    not a number (a word, a unit suffix, a list) is refused, naming the field.
    """
    if value is None:
        return None
    if isinstance(value, bool) or isinstance(value, dict | list):
        raise IngestError(
            source_id, location, f"{what}: expected a number, got {type(value).__name__}"
        )
    if isinstance(value, int | float):
        return None if is_missing(value) else float(value)
    text = str(value).strip()
    if text in MISSING_TOKENS:
        return None
    if not _NUMBER.match(text):
        raise IngestError(source_id, location, f"{what}: not a number: {text[:40]!r}")
    return float(text.replace(",", ""))


def _plain_numbers(values: pd.Series) -> pd.Series | None:
    """`numbers` for a text column whose every cell is a plain number or a missing token,
    in whole-column operations; None when any cell needs the cell-by-cell rules."""
    if not pd.api.types.is_string_dtype(values) or values.isna().any():
        return None
    try:  # Arrow's kernels: several times faster than pandas' string methods here
        text = pc.utf8_trim_whitespace(pa.array(values.array, type=pa.string()))
        missing = pc.is_in(text, _MISSING_ARROW)
        if not pc.all(pc.or_(missing, pc.match_substring_regex(text, _ASCII_NUMBER))).as_py():
            return None
        cleaned = pc.if_else(missing, None, pc.replace_substring(text, ",", ""))
        floats = pc.cast(cleaned, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    return pd.Series(floats, index=values.index, dtype="float64")


def numbers(
    values: pd.Series, source_id: str, location: str, what: str, *, allow_empty: bool = False
) -> pd.Series:
    """A column through `to_number` (float64, missing as NaN); empty cells refused unless allowed."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        out = values.astype("float64")
    elif (fast := _plain_numbers(values)) is not None:
        out = fast
    else:
        seen: dict[str, float | None] = {}
        parsed = []
        for value in values.tolist():
            if isinstance(value, str):
                if value not in seen:
                    seen[value] = to_number(value, source_id, location, what)
                parsed.append(seen[value])
            else:
                parsed.append(to_number(value, source_id, location, what))
        out = pd.Series(parsed, index=values.index, dtype="float64")
    if not allow_empty and out.isna().any():
        raise IngestError(source_id, location, f"{what}: {int(out.isna().sum())} empty cell(s)")
    return out


def marked_numbers(
    values: pd.Series,
    source_id: str,
    location: str,
    what: str,
    *,
    markers: Mapping[str, str],
    flags: str = "",
) -> tuple[pd.Series, Counter[str]]:
    """A column through `numbers`, where the publisher's documented non-value markers are
    missing values, counted per marker.

    `markers` maps a whole text cell (after trimming) to the label it is counted under
    (a null cell counts as ''); `flags` are characters that, written after a number or alone
    ('12#', '#'), mark the reading invalid: the number is never used. Any other cell that is
    not a number, the usual missing tokens ('', '-') included when they are not among
    `markers`, is refused.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        out = values.astype("float64")
        empty = int(out.isna().sum()) if "" in markers else 0
        return out, Counter({markers[""]: empty} if empty else {})
    cells = values.astype(object).where(values.notna(), "")
    try:
        codes, uniques = pd.factorize(cells)
    except TypeError:  # lists or objects among JSON values: `numbers` refuses them by type
        return numbers(values, source_id, location, what, allow_empty=True), Counter()
    labels = [
        _marker(u.strip(), markers, flags, source_id, location, what)
        if isinstance(u, str)
        else None
        for u in uniques
    ]
    seen = np.bincount(codes, minlength=len(uniques))
    counts: Counter[str] = Counter()
    for label, n in zip(labels, seen, strict=True):
        if label is not None and n:
            counts[label] += int(n)
    kept = ["" if label is not None else u for u, label in zip(uniques, labels, strict=True)]
    text_only = all(isinstance(u, str) for u in kept)  # then the whole-column path applies
    out = pd.Series(
        pd.array(kept, dtype=_TEXT if text_only else object).take(codes),
        index=values.index,
    )
    return numbers(out, source_id, location, what, allow_empty=True), counts


def _marker(
    cell: str, markers: Mapping[str, str], flags: str, source_id: str, location: str, what: str
) -> str | None:
    """The label a text cell is counted under, or None for a cell to read as a number."""
    if cell in markers:
        return markers[cell]
    if flags and cell and cell[-1] in flags and _flagged(cell[:-1]):
        return cell[-1]
    if cell in MISSING_TOKENS:  # the publisher's markers are the only non-values
        raise IngestError(source_id, location, f"{what}: not a number: {cell!r}")
    return None


def _flagged(head: str) -> bool:
    head = head.strip()
    return head == "" or bool(_NUMBER.match(head))


def decimal_comma(values: pd.Series, source_id: str, location: str, what: str) -> pd.Series:
    """Text written with a decimal comma ('5,86') in the point form `numbers` reads; a cell
    holding a point is refused, since '5.860' and '5,860' mean other things there."""
    text = values.astype(str).str.strip()
    dotted = text.str.contains(".", regex=False)
    if dotted.any():
        raise IngestError(
            source_id, location, f"{what}: decimal comma expected, got {text[dotted].iloc[0]!r}"
        )
    return text.str.replace(",", ".", regex=False)


_YM = re.compile(r"^\s*(\d{2,4})\s*(?:年|/|-|\.)?\s*(\d{1,2})\s*月?\s*$")


def year_month(text: Any, calendar: str, source_id: str, location: str) -> date:
    """The first day of a month written '107年04月', '114/07' or '2019-07'; `calendar` 'roc'
    (民國: year + 1911) or 'ad'. Anything else, or a month outside 1-12, is refused."""
    match = _YM.match(str(text or ""))
    if not match:
        raise IngestError(source_id, location, f"period not understood: {str(text)[:30]!r}")
    year, month = int(match.group(1)), int(match.group(2))
    if calendar == "roc":
        year += 1911
    if not (1 <= month <= 12 and 1990 <= year <= 2100):
        raise IngestError(source_id, location, f"period out of range: {str(text)[:30]!r}")
    return date(year, month, 1)


def years(values: pd.Series, source_id: str, location: str, what: str) -> pd.Series:
    """Four-digit years as integers, refusing anything else."""
    out = numbers(values, source_id, location, what)
    bad = (out < 1900) | (out > 2100) | (out % 1 != 0)
    if bad.any():
        raise IngestError(source_id, location, f"{what}: not a year {values[bad].iloc[0]!r}")
    return out.astype(int)


def dates(
    values: pd.Series, source_id: str, location: str, what: str, fmt: str | None = None
) -> pd.Series:
    """Timestamps from text or datetime values; an unparseable cell is an error naming it."""
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values
    else:  # each distinct text parsed once: files repeat the same dates many times
        codes, uniques = pd.factorize(values)
        parsed = pd.to_datetime(pd.Index(uniques), errors="coerce", format=fmt)
        taken = parsed.take(codes, allow_fill=True, fill_value=pd.NaT)
        out = pd.Series(taken, index=values.index)
    bad = out.isna()
    if bad.any():
        raise IngestError(source_id, location, f"{what}: not a date {values[bad].iloc[0]!r}")
    return out


def native_id(value: Any, source_id: str, location: str, what: str) -> str:
    """An identifier as text; whole floats (1.0) become '1'. Empty is refused."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = "" if is_missing(value) else str(value)
    text = text.strip()
    if not text:
        raise IngestError(source_id, location, f"{what}: empty identifier")
    return text


@cache
def _cities_by_zh() -> dict[str, str]:
    rows = read_csv_rows(REGISTRY_DIR / "cities.csv", ["city_id", "country", "name_zh"])
    return {_fold_tai(r["name_zh"]): r["city_id"] for r in rows if r["country"] == "TW"}


def _fold_tai(name: str) -> str:
    return name.strip().replace("台", "臺")


def city_from_zh(name: Any, source_id: str, location: str) -> str:
    """Registry id of a Taiwanese county/city named in Chinese ('台中市' and '臺中市' alike)."""
    text = "" if is_missing(name) else str(name)
    city = _cities_by_zh().get(_fold_tai(text))
    if city is None:
        raise IngestError(source_id, location, f"county {text!r} is not in the city registry")
    return city


@cache
def city_by_code() -> dict[str, str]:
    """Official code (MOI 5-digit, BPS 4-digit) -> city id from the registry."""
    rows = read_csv_rows(REGISTRY_DIR / "cities.csv", ["city_id", "official_code"])
    return {r["official_code"]: r["city_id"] for r in rows if r["official_code"]}


def city_series(
    indicator: str, city_ids: pd.Series, grain: str, unit: str, entity: pd.Series | str = "city"
) -> pd.DataFrame:
    """Series rows, one per distinct (city, entity), named '<indicator>|<city>|<entity>'."""
    pairs = pd.DataFrame(  # by position, strings stay Arrow
        {
            "city_id": city_ids.array,
            "entity_id": entity if isinstance(entity, str) else entity.array,
        }
    ).drop_duplicates(ignore_index=True)
    city, entity_id = pairs["city_id"], pairs["entity_id"]
    return pd.DataFrame(  # built in one go: column-by-column inserts cost more than the data
        {
            "series_id": indicator + "|" + city + "|" + entity_id,
            "indicator_id": indicator,
            "city_id": city,
            "entity_id": entity_id,
            "grain": grain,
            "unit": unit,
        }
    )


def observations(
    series_ids: pd.Series | pd.Categorical, ts: pd.Series, values: pd.Series
) -> pd.DataFrame:
    """Observation rows by position, the series ids as categories (few names, many rows)."""
    ids = series_ids.array if isinstance(series_ids, pd.Series) else series_ids
    return pd.DataFrame(
        {
            "series_id": ids if isinstance(ids, pd.Categorical) else pd.Categorical(ids),
            "ts": ts.to_numpy(),
            "value": values.to_numpy(),
        }
    )


def one_series(series_id: str, rows: int) -> pd.Categorical:
    """The same series id on every row, without making the string once per row."""
    return pd.Categorical.from_codes(np.zeros(rows, dtype=np.int8), categories=[series_id])
