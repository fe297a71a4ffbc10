"""FSC e-payment disclosures: users and monthly flows per institution, and Taiwan's totals.

The FSC Banking Bureau's monthly disclosure (電子支付帳戶重要資訊揭露), compiled month by
month into one CSV by bruce912/fsc_web, is reissued every month with all months so far.
Its quirks are read on purpose:

* months in the ROC calendar ('107年04月' = 2018-04);
* money in NT$ thousand, stored in TWD (x 1000): the unit of the registry's indicators and
  of the e-payment figures reported in the news;
* `欄位說明` names what the column before it holds: transfers between accounts
  (帳戶間款項移轉) up to 2021-06, small domestic and cross-border remittances
  (國內外小額匯兌) from 2021-07, when the amended Electronic Payment Act took effect. Each
  row goes to the indicator its label names, so the two meanings are two series, never
  one; an unknown label, or two labels in one month, is refused;
* a revised value carries an 'r' ('     r2,644'): loaded as the revised figure, counted;
* an empty cell, or a cell holding a bare '+', is a missing value, counted, never 0;
* months absent from the file stay absent; an institution's series starts and stops when
  it reports;
* users falling to a tenth or less from one reported month to the next (or rising ten
  times or more) is a structural break: kept as published, named in the source note.

Taiwan's totals ('TW', entity 'city') are sums over the institutions reporting in a month,
only where none of them lacks the value. Users summed over institutions count accounts,
not people: a person with two e-wallets counts twice.

The source accumulates: a release adds its months and replaces those it repeats, so
loading monthly releases one by one gives the store the latest cumulative release gives.
A release is taken to hold each month it names whole (every institution reporting).
"""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd

from gosmart.connectors.core import Batch, SourceSpec
from gosmart.connectors.errors import IngestError
from gosmart.connectors.sources._common import (
    UNLICENSED,
    marked_numbers,
    read_csv,
    year_month,
)

SOURCE_ID = "fsc_epayment_institutions"
COUNTRY = "TW"
MONTH, NAME, USERS = "年月", "電子支付機構名稱", "使用者人數"
AGENCY = "當月代理收付實質交易款項金額(千元)"
TRANSFER = "當月帳戶間款項移轉或國內外小額匯兌金額(千元)"
LABEL = "欄位說明"
STORED = "當月收受儲值款項金額(千元)"
BALANCE = "各類款項餘額合計(千元)"
COLUMNS = [MONTH, NAME, USERS, AGENCY, TRANSFER, LABEL, STORED, BALANCE]
THOUSAND = 1000
# Indicator -> (column, unit in datasets/registry/indicators.csv, factor to that unit).
MEASURES: dict[str, tuple[str, str, int]] = {
    "epayment_users": (USERS, "persons", 1),
    "epayment_agency_payment_amount_month": (AGENCY, "TWD", THOUSAND),
    "epayment_stored_value_amount_month": (STORED, "TWD", THOUSAND),
    "epayment_balance_outstanding": (BALANCE, "TWD", THOUSAND),
}
# What the transfer column holds, by the label `欄位說明` gives it.
TRANSFER_MEANING = {
    "帳戶間款項移轉": "epayment_account_transfer_amount_month",
    "國內外小額匯兌": "epayment_small_remittance_amount_month",
}
INSTITUTIONS = "epayment_institutions"
# Cells read as missing values (counted under these labels); nothing else that is not a number.
NON_VALUES = {"": "empty", "+": "+"}
REVISED = "r (revised)"
_REVISED = re.compile(r"^r[\d,.]+$")
BREAK_FACTOR = 10


def _published(values: pd.Series, location: str, what: str, counts: Counter[str]) -> pd.Series:
    """One column's numbers as published: 'r' revisions read, missing markers counted."""
    text = values.astype(str).str.strip()
    revised = text.str.match(_REVISED)
    text = text.where(~revised, text.str.slice(1))
    out, marked = marked_numbers(text, SOURCE_ID, location, what, markers=NON_VALUES)
    counts.update(marked)
    if revised.any():
        counts[REVISED] += int(revised.sum())
    return out


def _months(f: pd.DataFrame, location: str) -> pd.Series:
    periods = {t: year_month(t, "roc", SOURCE_ID, location) for t in f[MONTH].unique()}
    return pd.to_datetime(f[MONTH].map(periods))


def _transfer_labels(label: pd.Series, value: pd.Series, ts: pd.Series, location: str) -> pd.Series:
    """The label each row's transfer value falls under: its own, else its month's."""
    unknown = sorted(set(label[label != ""]) - set(TRANSFER_MEANING))
    if unknown:
        known = ", ".join(TRANSFER_MEANING)
        raise IngestError(
            SOURCE_ID, location, f"{LABEL}: unknown label {unknown[0]!r}; known: {known}"
        )
    unlabelled = (label == "") & value.notna()
    if unlabelled.any():
        when = ts[unlabelled].iloc[0]
        raise IngestError(
            SOURCE_ID,
            location,
            f"{LABEL}: empty on a row with a transfer value ({when:%Y-%m}); "
            "what the column holds is unknown",
        )
    per_month = pd.DataFrame({"ts": ts, "label": label})[label != ""].drop_duplicates()
    mixed = per_month["ts"].duplicated(keep=False)
    if mixed.any():
        when = per_month.loc[mixed, "ts"].iloc[0]
        raise IngestError(
            SOURCE_ID, location, f"{LABEL}: two labels in {when:%Y-%m}; the month is ambiguous"
        )
    month_label = dict(zip(per_month["ts"], per_month["label"], strict=True))
    return label.where(label != "", ts.map(month_label).fillna(""))


def _long(f: pd.DataFrame, location: str, counts: Counter[str]) -> pd.DataFrame:
    """(indicator, ts, institution, value) for every cell that belongs to an indicator."""
    ts, name = f["ts"], f["institution"]
    parts = []
    for indicator, (column, _unit, factor) in MEASURES.items():
        value = _published(f[column], location, column, counts)
        parts.append(_part(indicator, ts, name, value, factor))
    transfer = _published(f[TRANSFER], location, TRANSFER, counts)
    label = _transfer_labels(f[LABEL].astype(str).str.strip(), transfer, ts, location)
    for text, indicator in TRANSFER_MEANING.items():
        mine = label == text
        parts.append(_part(indicator, ts[mine], name[mine], transfer[mine], THOUSAND))
    return pd.concat(parts, ignore_index=True)


def _part(
    indicator: str, ts: pd.Series, name: pd.Series, value: pd.Series, factor: int
) -> pd.DataFrame:
    scaled = value if factor == 1 else (value * factor).round(3)  # undoes float error only
    return pd.DataFrame(
        {
            "indicator": indicator,
            "ts": ts.to_numpy(),
            "institution": name.to_numpy(),
            "value": scaled.to_numpy(),
        }
    )


def _units() -> dict[str, str]:
    units = {ind: unit for ind, (_c, unit, _f) in MEASURES.items()}
    units.update(dict.fromkeys(TRANSFER_MEANING.values(), "TWD"))
    units[INSTITUTIONS] = "institutions"
    return units


def parse_fsc(raw: bytes, location: str) -> Batch:
    """One release of the compiled disclosure -> per-institution and Taiwan series."""
    f = read_csv(raw, SOURCE_ID, location, COLUMNS)
    if f.empty:
        raise IngestError(SOURCE_ID, location, "no data rows")
    f = f.assign(ts=_months(f, location), institution=f[NAME].str.strip())
    if (f["institution"] == "").any():
        when = f.loc[f["institution"] == "", "ts"].iloc[0]
        raise IngestError(SOURCE_ID, location, f"{NAME}: empty on a row of {when:%Y-%m}")
    twice = f.duplicated(["ts", "institution"], keep=False)
    if twice.any():
        row = f[twice].iloc[0]
        raise IngestError(
            SOURCE_ID,
            location,
            f"{int(twice.sum())} rows for {row['institution']} in {row['ts']:%Y-%m}",
        )
    counts: Counter[str] = Counter()
    cells = _long(f, location, counts)
    present = cells[cells["value"].notna()]
    totals, untotalled = _totals(cells)
    institutions = f.groupby("ts", as_index=False).size()
    national = pd.concat(
        [
            totals,
            pd.DataFrame(
                {
                    "indicator": INSTITUTIONS,
                    "ts": institutions["ts"],
                    "value": institutions["size"].astype("float64"),
                }
            ),
        ],
        ignore_index=True,
    )
    units = _units()
    entity = "fsc:" + present["institution"]
    own = pd.DataFrame(
        {
            "series_id": present["indicator"] + "|" + COUNTRY + "|" + entity,
            "ts": present["ts"],
            "value": present["value"],
            "indicator": present["indicator"],
            "entity": entity,
        }
    )
    whole = pd.DataFrame(
        {
            "series_id": national["indicator"] + "|" + COUNTRY + "|city",
            "ts": national["ts"],
            "value": national["value"],
            "indicator": national["indicator"],
            "entity": "city",
        }
    )
    rows = pd.concat([own, whole], ignore_index=True).sort_values(["series_id", "ts"])
    series = rows.drop_duplicates("series_id")
    batch = Batch()
    batch.add(
        "series",
        pd.DataFrame(
            {
                "series_id": series["series_id"],
                "indicator_id": series["indicator"],
                "city_id": COUNTRY,
                "entity_id": series["entity"],
                "grain": "monthly",
                "unit": series["indicator"].map(units),
            }
        ).reset_index(drop=True),
    )
    batch.add(
        "observation",
        pd.DataFrame(
            {
                "series_id": pd.Categorical(rows["series_id"]),
                "ts": rows["ts"].to_numpy(),
                "value": rows["value"].to_numpy(),
            }
        ),
    )
    batch.count_markers(counts)
    batch.note = _note(f, present, untotalled, counts[REVISED])
    return batch


def _totals(cells: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Taiwan's total per indicator and month where no reporting institution lacks the value."""
    grouped = cells.groupby(["indicator", "ts"], sort=True)["value"]
    summary = grouped.agg(total="sum", rows="size", known="count").reset_index()
    complete = summary["rows"] == summary["known"]
    gaps = summary[~complete]
    untotalled = [
        f"{r.indicator} {r.ts:%Y-%m} ({r.rows - r.known} of {r.rows} missing)"
        for r in gaps.itertuples()
    ]
    done = summary[complete]
    return done[["indicator", "ts"]].assign(value=done["total"].to_numpy()), untotalled


def _breaks(present: pd.DataFrame) -> list[str]:
    users = present[present["indicator"] == "epayment_users"].sort_values(["institution", "ts"])
    prev = users.groupby("institution")["value"].shift()
    found = users[
        (prev > 0)
        & ((users["value"] * BREAK_FACTOR <= prev) | (users["value"] >= prev * BREAK_FACTOR))
    ]
    return [
        f"{r.institution} {r.ts:%Y-%m}: {p:,.0f} -> {r.value:,.0f} ({r.value / p - 1:+.1%})"
        for r, p in zip(found.itertuples(), prev[found.index], strict=True)
    ]


def _runs(months: list[pd.Timestamp]) -> list[str]:
    """Months as 'YYYY-MM' with consecutive ones joined: '2019-01…2020-12'."""
    runs: list[list[pd.Timestamp]] = []
    for m in months:
        if runs and m == runs[-1][-1] + pd.DateOffset(months=1):
            runs[-1].append(m)
        else:
            runs.append([m])
    return [f"{r[0]:%Y-%m}" if len(r) == 1 else f"{r[0]:%Y-%m}…{r[-1]:%Y-%m}" for r in runs]


def _note(f: pd.DataFrame, present: pd.DataFrame, untotalled: list[str], revised: int) -> str:
    """What this release holds that a reader must know: breaks, entries and exits, gaps."""
    first, last = f["ts"].min(), f["ts"].max()
    span = f.groupby("institution")["ts"].agg(["min", "max"]).sort_values(["min", "max"])
    reported = set(f["ts"])
    absent = _runs([m for m in pd.date_range(first, last, freq="MS") if m not in reported])
    parts = []
    breaks = _breaks(present)
    if breaks:
        parts.append(
            "Structural breaks in users, kept as published (not smoothed): "
            + "; ".join(breaks)
            + "."
        )
    starting = [f"{n} {s:%Y-%m}" for n, s in span["min"].items() if s > first]
    stopping = [f"{n} (last {e:%Y-%m})" for n, e in span["max"].items() if e < last]
    if starting:
        parts.append("Institutions starting after the first month: " + ", ".join(starting) + ".")
    if stopping:
        parts.append("Institutions stopping before the last month: " + ", ".join(stopping) + ".")
    if absent:
        parts.append("Months absent from the file (no values): " + ", ".join(absent) + ".")
    if untotalled:
        parts.append(
            "No Taiwan total where an institution's value is missing: "
            + "; ".join(untotalled)
            + "."
        )
    if revised:
        parts.append(f"{revised} value(s) marked revised (r) are loaded as revised.")
    return " ".join(parts)


SPECS = [
    SourceSpec(
        source_id=SOURCE_ID,
        connector="fsc",
        publisher="Financial Supervisory Commission, Banking Bureau (金融監督管理委員會銀行局); "
        "compiled by bruce912/fsc_web",
        title="E-payment institutions: users and monthly flows per institution, 2018-04 onwards "
        "(電子支付帳戶重要資訊揭露)",
        url="https://www.banking.gov.tw/",
        licence=UNLICENSED + "; the figures are the FSC's public disclosures",
        attribution="金融監督管理委員會銀行局 電子支付帳戶重要資訊揭露, "
        "compiled in bruce912/fsc_web (FSCWEB/電子支付機構_全業者統計.csv)",
        parse=parse_fsc,
        files=("payments/fsc_epayment_institutions_monthly_2018_2025.csv",),
        accumulates=True,
        note="File mode only: the FSC publishes the disclosure as monthly ZIP/XLSX downloads, "
        "with no API; load a newer release with `gosmart ingest fsc_epayment_institutions "
        "--file PATH`. Money converted from NT$ thousand to TWD. The transfer column is two "
        "indicators by its 欄位說明 label (account transfers to 2021-06, small remittances "
        "from 2021-07). Taiwan totals sum the institutions reporting; users summed over "
        "institutions are accounts, not de-duplicated people. The two sub-balances are not "
        "loaded (empty before 2020-09).",
    )
]
