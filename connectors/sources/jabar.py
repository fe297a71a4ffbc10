"""Open Data Jabar regency datasets: minimum wage and waste generation per regency/city per year."""

from __future__ import annotations

import pandas as pd

from gosmart.connectors.core import Batch, SourceSpec
from gosmart.connectors.errors import IngestError
from gosmart.connectors.sources._common import city_by_code, city_series, numbers, read_csv, years

LICENCE = "Open Data Jabar (per-dataset licence not verified)"


def _regency_batch(
    raw: bytes, location: str, source_id: str, value_column: str, indicator: str, unit: str
) -> Batch:
    f = read_csv(raw, source_id, location, ["kode_kabupaten_kota", value_column, "tahun"])
    code = f["kode_kabupaten_kota"].str.strip()
    known = city_by_code()
    unknown = sorted(c for c in set(code) if known.get(c, "") != f"ID-JB-{c}")
    if unknown:
        raise IngestError(
            source_id, location, f"kode_kabupaten_kota not in West Java: {unknown[:5]}"
        )
    city = "ID-JB-" + code
    year = years(f["tahun"], source_id, location, "tahun")
    value = numbers(f[value_column], source_id, location, value_column, allow_empty=True)
    keep = value.notna()
    city, year, value = city[keep], year[keep], value[keep]
    batch = Batch()
    batch.add("series", city_series(indicator, city, "annual", unit))
    batch.add(
        "observation",
        pd.DataFrame(
            {
                "series_id": (indicator + "|" + city + "|city").to_numpy(),
                "ts": pd.to_datetime(year.astype(str) + "-01-01").to_numpy(),
                "value": value.to_numpy(),
            }
        ),
    )
    return batch


def parse_min_wage(raw: bytes, location: str) -> Batch:
    return _regency_batch(raw, location, "jabar_min_wage", "upah_minimum", "min_wage", "IDR/month")


def parse_waste(raw: bytes, location: str) -> Batch:
    return _regency_batch(
        raw, location, "jabar_waste", "produksi_sampah", "waste_generation", "tonnes/day"
    )


SPECS = [
    SourceSpec(
        source_id="jabar_min_wage",
        connector="jabar",
        publisher="Disnakertrans Jawa Barat via Open Data Jabar",
        title="Regency/city minimum wage (UMK) in West Java, 2017–2024",
        url="https://opendata.jabarprov.go.id/",
        licence=LICENCE,
        attribution="Disnakertrans Provinsi Jawa Barat, Open Data Jabar, via firmanh3200/Visualisasi-Open-Data-Jabar",
        parse=parse_min_wage,
        files=("jabar/opendatajabar_upah_minimum_kabkota_2017_2024.csv",),
    ),
    SourceSpec(
        source_id="jabar_waste",
        connector="jabar",
        publisher="Disperkim Jawa Barat via Open Data Jabar",
        title="Waste generation per regency/city in West Java, 2015–2023",
        url="https://opendata.jabarprov.go.id/",
        licence=LICENCE,
        attribution="Disperkim Provinsi Jawa Barat, Open Data Jabar, via firmanh3200/Visualisasi-Open-Data-Jabar",
        parse=parse_waste,
        files=("jabar/opendatajabar_produksi_sampah_kabkota_2015_2023.csv",),
        note="2022 and 2023 rows are empty in the published file and are not loaded.",
    ),
]
