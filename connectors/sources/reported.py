"""Figures reported in news and press releases, each with its page URL -> `milestone`.

No official series exists for NewTaiPAY, Jabar Digital Service or most project
outputs, so the curated CSVs in the open-data folder are the evidence. Every row
keeps its URL and the wording as printed; nothing is smoothed or filled in. Rows
whose unit is 'event' are dated markers (launches, awards) and carry no value.

Lower bounds: a figure is flagged `lower_bound` when its wording says "more
than" (逾, 突破, 超過, 以上, 餘, 多, over, more than, at least, lebih dari) or its
note says "lower bound". Approximations (近, 約, nearly, about, sekitar) are not
lower bounds: "nearly 19,000" may be below 19,000. The wording stays in
`value_as_reported` for display either way.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from functools import partial
from typing import Any

import pandas as pd

from gosmart.connectors.core import TABLE_COLUMNS, Batch, SourceSpec
from gosmart.connectors.errors import IngestError
from gosmart.connectors.sources._common import decode_utf8, require_columns, to_number
from gosmart.registry import parse_period

CONNECTOR = "reported"
PUBLISHER = "Various news outlets and government pages (publisher and URL per figure)"
LICENCE = "Facts only, each cited to its page; the articles themselves are copyrighted"
ATTRIBUTION = "The page at each figure's URL"

AWARD_COLUMNS = ["project_id", "date", "metric", "value", "unit", "source_url", "note"]
NEWS_COLUMNS = [
    "as_of",
    "metric",
    "value",
    "unit",
    "value_as_reported",
    "scope",
    "reported_by",
    "article_date",
    "url",
    "note",
]
MILESTONE_COLUMNS = list(TABLE_COLUMNS["milestone"])  # what a connector may send

_LOWER_BOUND = re.compile(
    r"逾|突破|超過|超过|以上|餘|\d[\d,.]*\s*[萬億千百]?多"
    r"|\b(?:over|more than|at least|exceed(?:s|ed|ing)?|lebih dari)\b",
    re.IGNORECASE,
)
_LOWER_BOUND_NOTE = re.compile(r"\blower bound\b", re.IGNORECASE)
_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"|「([^」]*)」|‘([^’]*)’")
_URL = re.compile(r"^https?://\S+$")


def is_lower_bound(value_as_reported: str | None, note: str | None) -> bool:
    """Whether the figure is a "more than" figure, from its wording or its note.

    Only quoted wording inside a note is scanned for markers, so a note such as
    "overlaps with another claim" does not count, but "lower bound ('逾6000萬')" does.
    """
    note = note or ""
    if _LOWER_BOUND_NOTE.search(note):
        return True
    texts = [value_as_reported or ""]
    texts += ["".join(groups) for groups in _QUOTED.findall(note)]
    return any(_LOWER_BOUND.search(t) for t in texts)


def _rows(
    raw: bytes, source_id: str, location: str, columns: list[str]
) -> list[tuple[int, dict[str, str]]]:
    """(line, row) pairs of the CSV, refusing missing columns and short (truncated) rows."""
    reader = csv.reader(io.StringIO(decode_utf8(raw, source_id, location), newline=""))
    header = next(reader, None)
    if not header:
        raise IngestError(source_id, location, "empty file (no header)")
    header = [h.strip() for h in header]
    require_columns(header, columns, source_id, location)
    rows = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise IngestError(
                source_id, location, f"line {line}: {len(cells)} fields, expected {len(header)}"
            )
        rows.append((line, {h: c.strip() for h, c in zip(header, cells, strict=True)}))
    if not rows:
        raise IngestError(source_id, location, "no data rows")
    return rows


def _milestone(
    source_id: str,
    location: str,
    line: int,
    *,
    project_id: str,
    as_of: str,
    metric: str,
    value: str,
    unit: str,
    url: str,
    value_as_reported: str | None,
    reported_by: str | None,
    note: str | None,
) -> dict[str, object]:
    """One checked milestone row; any problem names the line and field."""
    where = f"line {line}"
    for field, text in (
        ("project_id", project_id),
        ("as_of", as_of),
        ("metric", metric),
        ("unit", unit),
    ):
        if not text:
            raise IngestError(source_id, location, f"{where}: {field}: empty")
    if not _URL.match(url):
        raise IngestError(source_id, location, f"{where}: url: missing or not http(s): {url!r}")
    try:
        start, _end, _precision = parse_period(as_of)
    except ValueError as exc:
        raise IngestError(source_id, location, f"{where}: as_of: {exc}") from None
    number = to_number(value, source_id, location, f"{where}: value")
    if number is None and unit != "event":
        raise IngestError(source_id, location, f"{where}: value: empty for a {unit!r} figure")
    return {
        "milestone_id": f"{source_id}:{project_id}:{metric}:{as_of}",
        "project_id": project_id,
        "as_of": as_of,
        "as_of_date": start,
        "metric": metric,
        "value": number,
        "unit": unit,
        "value_as_reported": value_as_reported or None,
        "lower_bound": is_lower_bound(value_as_reported, note),
        "reported_by": reported_by or None,
        "url": url,
        "note": note or None,
    }


def _batch(records: list[dict[str, object]]) -> Batch:
    batch = Batch()
    batch.add("milestone", pd.DataFrame(records, columns=MILESTONE_COLUMNS))
    return batch


def parse_award_milestones(raw: bytes, location: str, source_id: str) -> Batch:
    """`projects/award_milestones.csv`: one project id per row (winners and context_*)."""
    records = [
        _milestone(
            source_id,
            location,
            line,
            project_id=r["project_id"],
            as_of=r["date"],
            metric=r["metric"],
            value=r["value"],
            unit=r["unit"],
            url=r["source_url"],
            value_as_reported=None,
            reported_by=None,
            note=r["note"],
        )
        for line, r in _rows(raw, source_id, location, AWARD_COLUMNS)
    ]
    return _batch(records)


def _news_note(row: dict[str, str]) -> str | None:
    """Scope, the curator's note and the article date, in one line."""
    parts = [row["scope"], row["note"]]
    if row["article_date"]:
        parts.append(f"article date {row['article_date']}")
    return "; ".join(p for p in parts if p) or None


def parse_news_figures(
    raw: bytes,
    location: str,
    source_id: str,
    project_id: str,
    metric_projects: dict[str, str] | None = None,
) -> Batch:
    """A `*_from_news.csv` file: all rows belong to one project unless mapped by metric."""
    metric_projects = metric_projects or {}
    records = [
        _milestone(
            source_id,
            location,
            line,
            project_id=metric_projects.get(r["metric"], project_id),
            as_of=r["as_of"],
            metric=r["metric"],
            value=r["value"],
            unit=r["unit"],
            url=r["url"],
            value_as_reported=r["value_as_reported"],
            reported_by=r["reported_by"],
            note=_news_note(r),
        )
        for line, r in _rows(raw, source_id, location, NEWS_COLUMNS)
    ]
    return _batch(records)


def _spec(
    source_id: str, title: str, path: str, parse: Callable[..., Batch], **args: Any
) -> SourceSpec:
    """A reported-figures source read by `parse` with its own id (and project arguments)."""
    return SourceSpec(
        source_id=source_id,
        connector=CONNECTOR,
        publisher=PUBLISHER,
        title=title,
        licence=LICENCE,
        attribution=ATTRIBUTION,
        parse=partial(parse, source_id=source_id, **args),
        files=(path,),
        kind="reported",
        note="Transcribed by hand from stored web pages; figures as reported, not an official series.",
    )


SPECS = [
    _spec(
        "reported_award_milestones",
        "GO SMART Award winners: reported figures and dated milestones",
        "projects/award_milestones.csv",
        parse_award_milestones,
    ),
    _spec(
        "reported_newtaipay",
        "NewTaiPAY members, merchants and downloads as reported",
        "payments/newtaipay_milestones_from_news.csv",
        parse_news_figures,
        project_id="newtaipay",
    ),
    _spec(
        "reported_tw_epayment",
        "Taiwan e-payment users and amounts (FSC figures as reported in the news)",
        "payments/taiwan_epayment_fsc_figures_from_news.csv",
        parse_news_figures,
        project_id="context_tw_payments",
    ),
    _spec(
        "reported_mengo",
        "MeNGo passes, trips and members as reported",
        "transit/mengo_milestones_from_news.csv",
        parse_news_figures,
        project_id="mengo",
        metric_projects={"kaohsiung_city_bus_daily_riders": "context_kaohsiung_transit"},
    ),
    _spec(
        "reported_ntpc_hrf",
        "New Taipei high-risk family safety net figures as reported",
        "welfare/ntpc_high_risk_family_milestones_from_news.csv",
        parse_news_figures,
        project_id="ntpc_hrf",
    ),
]
