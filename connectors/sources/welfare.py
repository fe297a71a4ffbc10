"""MOHW child and youth protection records: counted per city and year from the record-level files.

The ministry files carry the owning city as a 10-digit Ministry of the Interior code.
Most are the current 5-digit codes padded with zeros; a few are pre-2010 codes of
cities that were later merged or upgraded, mapped here to today's city.
"""

from __future__ import annotations

import pandas as pd

from gosmart.connectors.core import OGDL, Batch, SourceSpec
from gosmart.connectors.errors import IngestError
from gosmart.connectors.sources._common import (
    city_by_code,
    city_series,
    observations,
    read_parquet,
    years,
)

# Pre-2010 county codes still used by the ministry, and the city that holds that area today.
OLD_CODES = {
    "10003": "TW-TAO",  # 桃園縣 -> 桃園市 (2014)
    "10019": "TW-TXG",  # 臺中市 (old city code) -> 臺中市
    "10021": "TW-TNN",  # 臺南市 (old city code) -> 臺南市
    "10011": "TW-TNN",  # 臺南縣 (old county code, one record in 2014) -> 臺南市
    "10006": "TW-TXG",  # 臺中縣 -> 臺中市
    "10012": "TW-KHH",  # 高雄縣 -> 高雄市
    "10001": "TW-NWT",  # 臺北縣 -> 新北市
}


def city_of_code(code: str) -> str | None:
    """City id for a 10-digit MOHW owner-city code, or None if it names no known city."""
    code = code.strip()
    if len(code) != 10 or not code.isdigit() or code[5:] != "00000":
        return None
    head = code[:5]
    return city_by_code().get(head) or OLD_CODES.get(head)


def _count_records(raw: bytes, location: str, source_id: str, year_column: str) -> Batch:
    f = read_parquet(raw, source_id, location, ["OWNERCITYCODE", year_column])
    year = years(f[year_column], source_id, location, year_column)
    codes = f["OWNERCITYCODE"].astype(str)
    mapping = {c: city_of_code(c) for c in codes.unique()}
    unknown = sorted(c for c, city in mapping.items() if city is None)
    if unknown:
        raise IngestError(source_id, location, f"OWNERCITYCODE not a known city: {unknown[:5]}")
    counts = (
        pd.DataFrame({"city_id": codes.map(mapping), "year": year})
        .groupby(["city_id", "year"], as_index=False)
        .size()
        .sort_values(["city_id", "year"])
    )
    series = city_series("child_protection_records", counts["city_id"], "annual", "records")
    batch = Batch()
    batch.add("series", series)
    ts = pd.to_datetime(counts["year"].astype(str) + "-01-01")
    batch.add(
        "observation",
        observations(
            "child_protection_records|" + counts["city_id"] + "|city",
            ts,
            counts["size"].astype("float64"),
        ),
    )
    return batch


def parse_cases_2014_2018(raw: bytes, location: str) -> Batch:
    return _count_records(raw, location, "mohw_child_protection_2014_2018", "RECEIVETIMEYEAR")


def parse_cases_2019_2023(raw: bytes, location: str) -> Batch:
    return _count_records(raw, location, "mohw_child_protection_2019_2023", "RECEIVEYYYY")


_COMMON = dict(
    connector="welfare",
    publisher="Ministry of Health and Welfare, Department of Protective Services (衛生福利部保護服務司)",
    licence=OGDL,
    attribution="衛生福利部 兒童及少年保護案件資料集, via kiang/dops.mohw.gov.tw",
)
SPECS = [
    SourceSpec(
        source_id="mohw_child_protection_2014_2018",
        title="Child and youth protection records 2014–2018 (record level, counted per city and year)",
        url="https://data.gov.tw/dataset/147095",
        parse=parse_cases_2014_2018,
        files=("welfare/mohw_child_youth_protection_cases_2014_2018.parquet",),
        note="Count of rows per OWNERCITYCODE and RECEIVETIMEYEAR. Old code 1001100000 "
        "(臺南縣) counted as Tainan City. The 2019 schema change roughly doubles counts: "
        "do not compare 2014–2018 with 2019–2023 directly.",
        **_COMMON,
    ),
    SourceSpec(
        source_id="mohw_child_protection_2019_2023",
        title="Child and youth protection records 2019–2023 (record level, counted per city and year)",
        url="https://data.gov.tw/dataset/156470",
        parse=parse_cases_2019_2023,
        files=("welfare/mohw_child_youth_protection_cases_2019_2023.parquet",),
        note="Count of rows per OWNERCITYCODE and RECEIVEYYYY. New schema and scope from 2019 "
        "(counts roughly double): a data break, not a trend.",
        **_COMMON,
    ),
]
