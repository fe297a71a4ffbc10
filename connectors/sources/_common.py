"""Small pure helpers the source parsers share: numbers as published, city names, formats."""

from __future__ import annotations

import io
import re
from functools import cache
from typing import Any

import pandas as pd

from connectors.errors import IngestError
from gosmart.paths import REGISTRY_DIR
from gosmart.registry import read_csv_rows

MISSING_TOKENS = frozenset({"", "-", "--", "—"})
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$|^[+-]?\.\d+$")


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
        return None if pd.isna(value) else float(value)
    text = str(value).strip()
    if text in MISSING_TOKENS:
        return None
    if not _NUMBER.match(text):
        raise IngestError(source_id, location, f"{what}: not a number: {text[:40]!r}")
    return float(text.replace(",", ""))


def native_id(value: Any, source_id: str, location: str, what: str) -> str:
    """An identifier as text; whole floats (1.0) become '1'. Empty is refused."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    text = text.strip()
    if not text:
        raise IngestError(source_id, location, f"{what}: empty identifier")
    return text


@cache
def _cities_by_zh() -> dict[str, str]:
    rows = read_csv_rows(REGISTRY_DIR / "cities.csv", ["city_id", "name_zh"])
    return {_fold_tai(r["name_zh"]): r["city_id"] for r in rows if r["name_zh"]}


def _fold_tai(name: str) -> str:
    return name.strip().replace("台", "臺")


def city_from_zh(name: Any, source_id: str, location: str) -> str:
    """Registry city id for a Chinese county/city name ('台中市' and '臺中市' alike)."""
    text = "" if name is None or (isinstance(name, float) and pd.isna(name)) else str(name)
    city = _cities_by_zh().get(_fold_tai(text))
    if city is None:
        raise IngestError(source_id, location, f"county {text!r} is not in the city registry")
    return city


def looks_like_parquet(raw: bytes) -> bool:
    return raw[:4] == b"PAR1"


def looks_like_json(raw: bytes) -> bool:
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return head in (b"{", b"[")


def read_parquet(raw: bytes, source_id: str, location: str) -> pd.DataFrame:
    """Parquet bytes to a frame; a damaged file is one clear error."""
    try:
        return pd.read_parquet(io.BytesIO(raw), engine="pyarrow")
    except Exception as exc:  # pyarrow raises several unrelated types
        raise IngestError(source_id, location, f"unreadable Parquet: {str(exc)[:100]}") from None


def read_csv_text(raw: bytes, source_id: str, location: str) -> pd.DataFrame:
    """UTF-8 CSV bytes to a frame of strings (values kept exactly as published)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(source_id, location, f"not valid UTF-8 (byte {exc.start})") from None
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise IngestError(source_id, location, f"unreadable CSV: {str(exc)[:100]}") from None


def records_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts, NaN turned into None so missing stays missing."""
    clean = frame.astype(object).where(frame.notna(), None)
    return clean.to_dict("records")


def require_keys(
    record: dict[str, Any], keys: list[str], source_id: str, location: str, index: int
) -> None:
    """Refuse a record that lacks a required field, naming the keys it does have."""
    missing = [k for k in keys if k not in record]
    if missing:
        seen = ", ".join(sorted(map(str, record))[:30])
        raise IngestError(
            source_id,
            location,
            f"record {index} lacks field(s) {', '.join(missing)}; keys seen: {seen}",
        )
