"""Registered population: Taiwan's 22 cities (household registration) and West Java's regencies.

Population is what every per-capita value divides by, so each year is a
year-end figure as published, never interpolated.
"""

from __future__ import annotations

import pandas as pd

from gosmart.connectors.core import OGDL, Batch, SourceSpec
from gosmart.connectors.errors import IngestError
from gosmart.connectors.sources._common import (
    city_from_zh,
    city_series,
    numbers,
    observations,
    read_csv,
    years,
)
from gosmart.connectors.sources.jabar import LICENCE as JABAR_LICENCE

SEXES = {"LAKI-LAKI", "PEREMPUAN"}


def _population_batch(city_ids: pd.Series, year: pd.Series, value: pd.Series) -> Batch:
    series = city_series("population", city_ids, "annual", "persons")
    batch = Batch()
    batch.add("series", series)
    ts = pd.to_datetime(year.astype(str) + "-12-31")
    batch.add("observation", observations("population|" + city_ids + "|city", ts, value))
    return batch


def parse_taiwan_population(raw: bytes, location: str) -> Batch:
    """Year-end registered population per city; city names must match the registry."""
    sid = "tw_household_population"
    f = read_csv(raw, sid, location, ["year_end_ad", "city", "population"])
    city = f["city"].map({c: city_from_zh(c, sid, location) for c in f["city"].unique()})
    year = years(f["year_end_ad"], sid, location, "year_end_ad")
    value = numbers(f["population"], sid, location, "population")
    return _population_batch(city, year, value)


def parse_west_java_population(raw: bytes, location: str) -> Batch:
    """Population per regency/city (both sexes summed) and the province total of the 27."""
    sid = "jabar_population_kabkota"
    f = read_csv(
        raw, sid, location, ["kode_kabupaten_kota", "jenis_kelamin", "jumlah_penduduk", "tahun"]
    )
    sex = f["jenis_kelamin"].str.strip().str.upper()
    if not set(sex) <= SEXES:
        raise IngestError(
            sid, location, f"jenis_kelamin: unexpected {sorted(set(sex) - SEXES)[:3]}"
        )
    f = f.assign(
        code=f["kode_kabupaten_kota"].str.strip(),
        year=years(f["tahun"], sid, location, "tahun"),
        n=numbers(f["jumlah_penduduk"], sid, location, "jumlah_penduduk"),
        sex=sex,
    )
    if f.duplicated(["code", "year", "sex"]).any():
        raise IngestError(sid, location, "duplicate regency/year/sex rows")
    per = f.groupby(["code", "year"], as_index=False).agg(n=("n", "sum"), sexes=("sex", "nunique"))
    if (per["sexes"] != 2).any():
        bad = per[per["sexes"] != 2].iloc[0]
        raise IngestError(sid, location, f"regency {bad['code']} {bad['year']}: one sex missing")
    regencies = per.assign(city_id="ID-JB-" + per["code"])
    complete = regencies.groupby("year")["code"].nunique() == 27
    province = (
        regencies[regencies["year"].isin(complete[complete].index)]
        .groupby("year", as_index=False)["n"]
        .sum()
        .assign(city_id="ID-JB")
    )
    both = pd.concat([regencies, province], ignore_index=True)
    return _population_batch(both["city_id"], both["year"], both["n"])


SPECS = [
    SourceSpec(
        source_id="tw_household_population",
        connector="population",
        publisher="Ministry of the Interior via DGBAS 縣市重要統計指標查詢系統",
        title="Household-registered population by city at year end, 1998–2024",
        url="https://winstacity.dgbas.gov.tw/",
        licence=OGDL,
        attribution="內政部 / 行政院主計總處, via bootleq/feeders-charts",
        parse=parse_taiwan_population,
        files=("population/taiwan_household_registered_population_by_city_yearend.csv",),
        note="Post-2010 boundaries for all years; year shift of the repository file undone in "
        "../opendata (year_end_ad).",
    ),
    SourceSpec(
        source_id="jabar_population_kabkota",
        connector="population",
        publisher="Disdukcapil Jawa Barat via Open Data Jabar",
        title="West Java population by regency/city and sex, 2013–2023",
        url="https://opendata.jabarprov.go.id/id/dataset/jumlah-penduduk-berdasarkan-jenis-kelamin-dan-kabupatenkota-di-jawa-barat",
        licence=JABAR_LICENCE,
        attribution="Disdukcapil Provinsi Jawa Barat, Open Data Jabar, via firmanh3200/Visualisasi-Open-Data-Jabar",
        parse=parse_west_java_population,
        files=("population/west_java_population_by_sex_kabkota_2013_2023.csv",),
        note="Men + women per regency/city; the province (ID-JB) is the sum of the 27 regencies/cities.",
    ),
]
