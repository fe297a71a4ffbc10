-- City-level and station-level period values, recomputed from every observation.
-- Idempotent: rows derived before (sources that load observations) are replaced;
-- rows a connector loaded directly at city grain are kept and win over derived ones.
--
-- Rules (documented in connectors/derive.py):
--  * a city's series of one source: if it has an entity 'city' series, only that one is used
--    (a published city figure beats our aggregate of sub-city entities);
--  * step 1, per series and period: time aggregate = last value ('last'), sum ('sum' of a
--    count per period), else mean (also 'sum' indicators whose unit is per day);
--  * step 2, per city, source and period: 'sum' indicators add the series, others average them;
--  * grains: daily, weekly (ISO weeks, Monday first), monthly, annual - every grain the
--    dashboard offers, so it reads stored values only and never aggregates at request time;
--  * coverage = points present / (active series x points a series should have in the period),
--    a series being active when it has any value in the calendar year of the period's first
--    point (a week across New Year counts in the year its data starts);
--  * one source per city and period: native grain first, then coverage, points, source id.

DELETE FROM indicator_value WHERE source_id IN (SELECT source_id FROM series_source);
DELETE FROM station_value WHERE source_id IN (SELECT source_id FROM series_source);

CREATE OR REPLACE TEMP TABLE _grain AS
SELECT * FROM (VALUES ('hourly', 0, NULL, NULL), ('daily', 1, 'day', INTERVAL 1 DAY),
                      ('weekly', 2, 'week', INTERVAL 7 DAY),
                      ('monthly', 3, 'month', INTERVAL 1 MONTH),
                      ('annual', 4, 'year', INTERVAL 1 YEAR)) g(grain, rank, part, step);

CREATE OR REPLACE TEMP TABLE _obs AS
WITH s AS (
    SELECT s.series_id, s.indicator_id, s.city_id, s.entity_id, s.grain, s.unit,
           i.aggregation, i.unit AS indicator_unit
    FROM series s JOIN indicator i USING (indicator_id)
), o AS (
    SELECT s.*, o.ts, o.value, k.source_id
    FROM observation o
    JOIN series_source k USING (series_key)
    JOIN s USING (series_id)
    WHERE o.value IS NOT NULL AND isfinite(o.value)
), city_entity AS (
    SELECT DISTINCT indicator_id, city_id, source_id FROM o WHERE entity_id = 'city'
)
SELECT o.* FROM o
LEFT JOIN city_entity c USING (indicator_id, city_id, source_id)
WHERE o.entity_id = 'city' OR c.indicator_id IS NULL;

-- Step 1: one value per series, target grain and period (a weekly target only from hourly
-- or daily series: months and years do not split into weeks).
CREATE OR REPLACE TEMP TABLE _series_period AS
WITH t AS (
    SELECT o.*, sg.rank AS series_rank, tg.grain AS target_grain, tg.rank AS target_rank,
           date_trunc(tg.part, o.ts) AS p0, date_trunc(tg.part, o.ts) + tg.step AS p1
    FROM _obs o
    JOIN _grain sg ON sg.grain = o.grain
    JOIN _grain tg ON tg.rank >= greatest(sg.rank, 1)
        AND (tg.grain <> 'weekly' OR sg.grain IN ('hourly', 'daily'))
)
SELECT indicator_id, city_id, entity_id, series_id, source_id, aggregation, series_rank,
       target_grain, target_rank, CAST(p0 AS DATE) AS period_start,
       CASE
           WHEN aggregation = 'last' THEN arg_max(value, ts)
           WHEN aggregation = 'sum' AND indicator_unit NOT LIKE '%/day' THEN sum(value)
           ELSE avg(value)
       END AS value,
       count(*) AS n,
       min(ts) AS first_ts,
       CASE grain
           WHEN 'hourly' THEN date_diff('hour', p0, p1)
           WHEN 'daily' THEN date_diff('day', p0, p1)
           WHEN 'monthly' THEN date_diff('month', p0, p1)
           ELSE 1
       END AS expected
FROM t
GROUP BY indicator_id, city_id, entity_id, series_id, source_id, aggregation, indicator_unit,
         grain, series_rank, target_grain, target_rank, p0, p1;

-- Series with any value in a calendar year, per city and source: the stations we expect.
CREATE OR REPLACE TEMP TABLE _active AS
SELECT indicator_id, city_id, source_id, year(ts) AS yr, count(DISTINCT series_id) AS n_series
FROM _obs GROUP BY ALL;

-- Step 2: across a city's series, then one source per city and period.
INSERT INTO indicator_value (indicator_id, city_id, grain, period_start, value, value_per_capita,
                             coverage, n_points, source_id)
WITH combined AS (
    SELECT indicator_id, city_id, target_grain AS grain, period_start, source_id,
           CASE WHEN any_value(aggregation) = 'sum' THEN sum(value) ELSE avg(value) END AS value,
           sum(n) AS n_points,
           any_value(expected) AS expected,
           year(min(first_ts)) AS yr,
           min(series_rank) = any_value(target_rank) AS native
    FROM _series_period
    GROUP BY indicator_id, city_id, target_grain, period_start, source_id
), per_source AS (
    SELECT c.*, least(1.0, c.n_points / (a.n_series * c.expected)) AS coverage
    FROM combined c
    JOIN _active a USING (indicator_id, city_id, source_id, yr)
)
SELECT p.indicator_id, p.city_id, p.grain, p.period_start, p.value, NULL, p.coverage,
       p.n_points, p.source_id
FROM per_source p
WHERE NOT EXISTS (
    SELECT 1 FROM indicator_value v
    WHERE v.indicator_id = p.indicator_id AND v.city_id = p.city_id AND v.grain = p.grain
      AND v.period_start = p.period_start
)
QUALIFY row_number() OVER (
    PARTITION BY p.indicator_id, p.city_id, p.grain, p.period_start
    ORDER BY p.native DESC, p.coverage DESC, p.n_points DESC, p.source_id
) = 1;

-- Station values for maps: monthly from sub-annual series, annual from annual series.
INSERT INTO station_value (indicator_id, station_id, grain, period_start, value, coverage, source_id)
SELECT sp.indicator_id, sp.entity_id, sp.target_grain, sp.period_start, sp.value,
       least(1.0, sp.n / sp.expected), sp.source_id
FROM _series_period sp
JOIN station st ON st.station_id = sp.entity_id
WHERE sp.target_grain = 'monthly'
   OR (sp.target_grain = 'annual' AND sp.series_rank = sp.target_rank)
QUALIFY row_number() OVER (
    PARTITION BY sp.indicator_id, sp.entity_id, sp.target_grain, sp.period_start
    ORDER BY least(1.0, sp.n / sp.expected) DESC, sp.source_id
) = 1;

-- A station's annual map value where it has no annual series: the mean of its monthly values
-- in the year, coverage counted over all twelve months (so a part year reads as one).
INSERT INTO station_value (indicator_id, station_id, grain, period_start, value, coverage, source_id)
WITH from_months AS (
    SELECT indicator_id, station_id, CAST(date_trunc('year', period_start) AS DATE) AS period_start,
           avg(value) AS value, sum(coverage) / 12 AS coverage, min(source_id) AS source_id
    FROM station_value
    WHERE grain = 'monthly'
      AND source_id IN (SELECT source_id FROM series_source)
    GROUP BY ALL
)
SELECT m.indicator_id, m.station_id, 'annual', m.period_start, m.value, m.coverage, m.source_id
FROM from_months m
WHERE NOT EXISTS (
    SELECT 1 FROM station_value a
    WHERE a.indicator_id = m.indicator_id AND a.station_id = m.station_id
      AND a.grain = 'annual' AND a.period_start = m.period_start
);

-- Per capita for every row (derived or loaded directly): population of the period's year,
-- else the nearest earlier year; nothing when no such population exists.
UPDATE indicator_value AS v
SET value_per_capita = v.value / p.value * i.per_capita_scale
FROM indicator i, (
    SELECT v2.indicator_id, v2.city_id, v2.grain, v2.period_start, pop.value
    FROM indicator_value v2
    ASOF JOIN (
        SELECT city_id, year(period_start) AS yr, value
        FROM indicator_value WHERE indicator_id = 'population' AND grain = 'annual'
          AND value > 0
    ) pop ON pop.city_id = v2.city_id AND year(v2.period_start) >= pop.yr
) p
WHERE i.indicator_id = v.indicator_id AND i.per_capita_scale IS NOT NULL
  AND p.indicator_id = v.indicator_id AND p.city_id = v.city_id AND p.grain = v.grain
  AND p.period_start = v.period_start;

DROP TABLE _grain;
DROP TABLE _obs;
DROP TABLE _series_period;
DROP TABLE _active;
