"""BPS (Statistics Indonesia) province tables: ICT Development Index (IP-TIK) and internet use.

Three IP-TIK files, each a third party's transcription of one BPS publication, and one BPS
web-table export of internet use by province. Read on purpose:

* decimal commas in the IP-TIK files ('5,86'; whole numbers unquoted: '6');
* provinces named with their BPS code ('32. Jawa Barat') or in capitals with BPS's
  abbreviations ('KEP. RIAU', 'DKI JAKARTA', 'DI YOGYAKARTA'): a code and its name must
  agree with the registry, and a province the registry lacks is refused;
* the web export's title lines above the header and its notes below the table;
* '-' for a province that did not exist yet: a missing value, counted;
* the 2022 Papua splits: Papua lost Papua Selatan, Papua Tengah and Papua Pegunungan,
  and Papua Barat lost Papua Barat Daya. A parent's value belongs to its present, smaller
  territory only in a year where every province split from it has a value of its own;
  before that it belongs to the unit with the pre-split borders (ID-PA-PRE2022,
  ID-PB-PRE2022), so no series joins two territories. A new province's value equal to
  its parent's in the same year is the parent's estimate repeated (BPS's 2023 internet
  figures do this), not the province's own: it is not loaded, and the note says so.

BPS has a web API, but these tables' ids and responses could not be checked here, so the
sources are file mode only; `gosmart ingest SOURCE --file PATH` reads a newer export.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from functools import cache, partial

import pandas as pd

from gosmart.connectors.core import Batch, SourceSpec
from gosmart.connectors.errors import IngestError
from gosmart.connectors.sources._common import (
    UNLICENSED,
    city_series,
    decimal_comma,
    decode_utf8,
    marked_numbers,
    observations,
    read_csv,
)
from gosmart.registry import read_csv_rows
from gosmart.resources import REGISTRY_DIR

COUNTRY = "ID"
NATIONAL = "INDONESIA"
NON_VALUES = {"-": "-"}  # BPS: the province did not exist yet
SPLITS = {"ID-PA": ("ID-PS", "ID-PT", "ID-PE"), "ID-PB": ("ID-PD",)}
PRE_SPLIT = {"ID-PA": "ID-PA-PRE2022", "ID-PB": "ID-PB-PRE2022"}
ICT_UNIT, SHARE_UNIT = "index (0–10)", "%"
# IP-TIK column name templates by layout -> indicator.
IPTIK_INDEX_ONLY = {"Nilai IPTIK {year}": "ict_development_index"}
IPTIK_WITH_SUBINDICES = {
    "Subindeks Akses & Infrastruktur TIK ({year})": "ict_subindex_access",
    "Subindeks Penggunaan TIK ({year})": "ict_subindex_use",
    "Subindeks Keahlian TIK ({year})": "ict_subindex_skills",
    "Indeks Pembangunan TIK ({year})": "ict_development_index",
}
INTERNET_TITLE = "Mengakses Internet"
INTERNET_BLOCK = "Perkotaan+Perdesaan"
_CODED = re.compile(r"^(\d{2})\.\s*(\S.*)$")
_ABBREVIATIONS = (
    (r"^KEP\.\s*", "KEPULAUAN "),
    (r"^DKI\s+", "DAERAH KHUSUS IBUKOTA "),
    (r"^DI\s+", "DAERAH ISTIMEWA "),
)


def _fold(name: str) -> str:
    text = " ".join(name.upper().split())
    for pattern, full in _ABBREVIATIONS:
        text = re.sub(pattern, full, text)
    return text


@cache
def _provinces() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """BPS code -> city id, folded Indonesian name -> city id, city id -> name (registry)."""
    rows = read_csv_rows(
        REGISTRY_DIR / "cities.csv", ["city_id", "country", "level", "name_local", "official_code"]
    )
    rows = [r for r in rows if r["country"] == COUNTRY and r["level"] == "province"]
    by_code = {r["official_code"]: r["city_id"] for r in rows if r["official_code"]}
    by_name = {_fold(r["name_local"]): r["city_id"] for r in rows if r["official_code"]}
    names = {r["city_id"]: r["name_local"] for r in rows}
    return by_code, by_name, names


def province_id(label: str, source_id: str, location: str) -> str:
    """Registry id of a province as BPS writes it ('32. Jawa Barat', 'JAWA BARAT'), or 'ID'."""
    text = " ".join(str(label).split())
    if _fold(text) == NATIONAL:
        return COUNTRY
    by_code, by_name, names = _provinces()
    coded = _CODED.match(text)
    if coded:
        city = by_code.get(coded.group(1))
        if city is None:
            raise IngestError(
                source_id, location, f"province {text!r}: no BPS code {coded.group(1)}"
            )
        if by_name.get(_fold(coded.group(2))) != city:
            raise IngestError(
                source_id,
                location,
                f"province {text!r}: BPS code {coded.group(1)} is {names[city]} in the registry",
            )
        return city
    city = by_name.get(_fold(text))
    if city is None:
        raise IngestError(source_id, location, f"province {text!r} is not in the city registry")
    return city


def _values(
    text: pd.Series, source_id: str, location: str, what: str, top: float, counts: Counter[str]
) -> pd.Series:
    out, marked = marked_numbers(text, source_id, location, what, markers=NON_VALUES)
    counts.update(marked)
    bad = (out < 0) | (out > top)
    if bad.any():
        raise IngestError(source_id, location, f"{what}: {out[bad].iloc[0]:g} outside 0–{top:g}")
    return out


def _territories(cells: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Each split parent's values under the borders they describe; repeated parent values out."""
    cells = cells.copy()
    pre: dict[str, set[int]] = {}
    repeated: list[str] = []
    names = _provinces()[2]
    drop: list[int] = []
    for (_indicator, year), group in cells.groupby(["indicator", "year"]):
        row = dict(zip(group["city_id"], group.index, strict=True))
        value = dict(zip(group["city_id"], group["value"], strict=True))
        for parent, children in SPLITS.items():
            if pd.isna(value.get(parent)):
                continue
            own = 0
            for child in children:
                if pd.isna(value.get(child)):
                    continue
                if value[child] == value[parent]:
                    drop.append(row[child])
                    repeated.append(f"{names[child]} {year} (= {names[parent]})")
                else:
                    own += 1
            if own < len(children):
                cells.loc[row[parent], "city_id"] = PRE_SPLIT[parent]
                pre.setdefault(parent, set()).add(int(year))
    notes = []
    if pre:
        stored = "; ".join(
            f"{names[p]} as {PRE_SPLIT[p]} in {', '.join(map(str, sorted(y)))}"
            for p, y in sorted(pre.items())
        )
        notes.append(
            "Papua splits: values describing the pre-2022 borders are stored under their own "
            f"units ({stored})."
        )
    if repeated:
        notes.append(
            "Not loaded, the parent's figure repeated for a new province: "
            + ", ".join(sorted(set(repeated)))
            + "."
        )
    return cells.drop(index=drop), notes


def _batch(cells: pd.DataFrame, units: dict[str, str], counts: Counter[str]) -> Batch:
    cells, split_notes = _territories(cells)
    cells = cells[cells["value"].notna()].sort_values(["indicator", "city_id", "year"])
    batch = Batch()
    for indicator, part in cells.groupby("indicator", sort=True):
        city = part["city_id"].reset_index(drop=True)
        batch.add("series", city_series(str(indicator), city, "annual", units[str(indicator)]))
        batch.add(
            "observation",
            observations(
                indicator + "|" + city + "|city",
                pd.to_datetime(part["year"].astype(str) + "-01-01").reset_index(drop=True),
                part["value"].reset_index(drop=True),
            ),
        )
    batch.count_markers(counts)
    batch.note = " ".join(split_notes) or None
    return batch


def parse_iptik(
    raw: bytes, location: str, *, source_id: str, years: tuple[int, ...], columns: dict[str, str]
) -> Batch:
    """One IP-TIK transcription: 'Provinsi' plus one column per (indicator, year)."""
    wanted = {t.format(year=y): (ind, y) for y in years for t, ind in columns.items()}
    f = read_csv(raw, source_id, location, ["Provinsi", *wanted])
    extra = [c for c in f.columns if c != "Provinsi" and c not in wanted]
    if extra:
        raise IngestError(source_id, location, f"unexpected column(s) {', '.join(extra)}")
    label = f["Provinsi"].str.strip()
    national = label.map(_fold) == NATIONAL
    if not national.any():
        raise IngestError(source_id, location, f"no {NATIONAL} row (a truncated file?)")
    last = int(national.to_numpy().nonzero()[0][-1])
    after = f.iloc[last + 1 :][list(wanted)]
    if (after.apply(lambda s: s.str.strip()) != "").to_numpy().any():
        raise IngestError(source_id, location, f"values below the {NATIONAL} row")
    f, label = f.iloc[: last + 1], label.iloc[: last + 1]
    city = label.map({t: province_id(t, source_id, location) for t in label.unique()})
    counts: Counter[str] = Counter()
    parts = []
    for column, (indicator, year) in wanted.items():
        text = decimal_comma(f[column], source_id, location, column)
        value = _values(text, source_id, location, column, 10, counts)
        parts.append(
            pd.DataFrame({"indicator": indicator, "year": year, "city_id": city, "value": value})
        )
    cells = pd.concat(parts, ignore_index=True)
    _refuse_twice(cells, source_id, location)
    units = dict.fromkeys(columns.values(), ICT_UNIT)
    return _batch(cells, units, counts)


def _refuse_twice(cells: pd.DataFrame, source_id: str, location: str) -> None:
    twice = cells.duplicated(["indicator", "year", "city_id"])
    if twice.any():
        city = cells.loc[twice, "city_id"].iloc[0]
        raise IngestError(source_id, location, f"two rows for {city}")


def parse_internet_use(raw: bytes, location: str, *, source_id: str) -> Batch:
    """BPS web-table export: title lines, a classification row, a year row, provinces, notes."""
    text = decode_utf8(raw, source_id, location)
    if not text.strip():
        raise IngestError(source_id, location, "empty file")
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise IngestError(source_id, location, f"malformed CSV: {str(exc)[:120]}") from None
    if INTERNET_TITLE not in " ".join(rows[0]):
        raise IngestError(
            source_id, location, f"not the BPS internet-use table (title {rows[0][1:2]!r})"
        )
    at = next((i for i, r in enumerate(rows) if INTERNET_BLOCK in r), None)
    if at is None or at + 1 >= len(rows):
        found = ", ".join(c for r in rows[1:3] for c in r if c.strip())
        raise IngestError(
            source_id, location, f"no {INTERNET_BLOCK!r} column block; found: {found or '-'}"
        )
    blocks, start = rows[at], rows[at].index(INTERNET_BLOCK)
    end = next((j for j in range(start + 1, len(blocks)) if blocks[j].strip()), len(blocks))
    header = rows[at + 1]
    years = [c.strip() for c in header[start:end]]
    if not years or not all(re.fullmatch(r"\d{4}", y) for y in years):
        raise IngestError(source_id, location, f"year row not understood: {header[:8]}")
    body: list[list[str]] = []
    for offset, cells in enumerate(rows[at + 2 :]):
        line = at + 3 + offset
        if not any(c.strip() for c in cells):
            rest = rows[at + 3 + offset :]
            if any(r and r[0].strip() not in ("", "Catatan", "Sumber") for r in rest):
                raise IngestError(source_id, location, f"line {line}: a table row after the notes")
            break
        if len(cells) != len(header):
            raise IngestError(
                source_id, location, f"line {line}: {len(cells)} fields, expected {len(header)}"
            )
        body.append(cells)
    labels = pd.Series([r[0] for r in body], dtype=object)
    if not (labels.map(_fold) == NATIONAL).any():
        raise IngestError(source_id, location, f"no {NATIONAL} row (a truncated file?)")
    city = labels.map({t: province_id(t, source_id, location) for t in labels.unique()})
    counts: Counter[str] = Counter()
    parts = []
    for k, year in enumerate(years):
        column = pd.Series([r[start + k] for r in body], dtype=object)
        value = _values(column, source_id, location, f"{INTERNET_BLOCK} {year}", 100, counts)
        parts.append(
            pd.DataFrame(
                {
                    "indicator": "internet_use_share",
                    "year": int(year),
                    "city_id": city,
                    "value": value,
                }
            )
        )
    cells = pd.concat(parts, ignore_index=True)
    _refuse_twice(cells, source_id, location)
    return _batch(cells, {"internet_use_share": SHARE_UNIT}, counts)


PUBLISHER = "BPS-Statistics Indonesia (Badan Pusat Statistik)"
IPTIK_REPO = "AthaaRafi/Tautan-Hasil-Pengerjaan-Dokumen-Comprehensif-Divisi-Data-Scientist"
IPTIK_CAUTION = (
    "Transcribed from the BPS publication by a third party. Each year comes from a different "
    "BPS publication and BPS revises earlier years between them: check before joining years "
    "across files. The Papua rows are the pre-split provinces."
)


def _iptik_spec(
    years: tuple[int, int], columns: dict[str, str], path: str, note: str
) -> SourceSpec:
    source_id = f"bps_iptik_{years[0]}_{years[1]}"
    return SourceSpec(
        source_id=source_id,
        connector="bps",
        publisher=PUBLISHER + f"; transcribed by {IPTIK_REPO.split('/')[0]}",
        title=f"ICT Development Index (IP-TIK) by province, {years[0]}–{years[1]}",
        url="https://www.bps.go.id/",
        licence=UNLICENSED + "; the figures are BPS's",
        attribution=f"Badan Pusat Statistik, Indeks Pembangunan TIK, via {IPTIK_REPO}",
        parse=partial(parse_iptik, source_id=source_id, years=years, columns=columns),
        files=(path,),
        note=f"{note} {IPTIK_CAUTION}",
    )


SPECS = [
    _iptik_spec(
        (2019, 2020),
        IPTIK_INDEX_ONLY,
        "indonesia/bps_iptik_province_2019_2020.csv",
        "Index only, no sub-indices. The 2019 column gives DKI Jakarta 7.27 and Papua 3.29 "
        "where BPS's 2020 release said 7.31 and 3.33 (a later revision or a typing error).",
    ),
    _iptik_spec(
        (2021, 2022),
        IPTIK_WITH_SUBINDICES,
        "indonesia/bps_iptik_subindex_province_2021_2022.csv",
        "Index and its three sub-indices, from the IP-TIK 2022 publication.",
    ),
    _iptik_spec(
        (2023, 2024),
        IPTIK_WITH_SUBINDICES,
        "indonesia/bps_iptik_subindex_province_2023_2024.csv",
        "Index and its three sub-indices, from the IP-TIK 2023 and 2024 publications.",
    ),
    SourceSpec(
        source_id="bps_internet_use_province",
        connector="bps",
        publisher=PUBLISHER + ", Susenas; web-table export kept by jackmgc",
        title="Share of people aged 5 and over who used the internet in the last 3 months, by "
        "province, 2020–2024",
        url="https://www.bps.go.id/",
        licence=UNLICENSED + "; the figures are BPS's",
        attribution="Badan Pusat Statistik, Survei Sosial Ekonomi Nasional (Susenas), via "
        "jackmgc/bps_ml_report_dashboard",
        parse=partial(parse_internet_use, source_id="bps_internet_use_province"),
        files=("indonesia/bps_internet_access_pop5plus_province_2020_2024.csv",),
        note="Urban and rural combined (Perkotaan+Perdesaan). '-' marks a province that did not "
        "exist yet. 2020–2024 only: no year before the July-2019 JDS start.",
    ),
]
