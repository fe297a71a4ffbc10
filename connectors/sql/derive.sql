-- The derive: raw observations -> per-series partials -> every grain, coverage and station
-- values. One definition for both engines: DuckDB runs it as written, Spark runs it as
-- SQLGlot transpiles it (connectors/engines.py). Each step is one SELECT, materialised under
-- its name; the orchestrator (connectors/derive.py) provides the inputs (in_*) and writes
-- the outputs (d_out to the lake, d_city_value and d_station_value to the store).
--
-- Rules (as before the lake):
--  * a city's series of one source: if it has an entity 'city' series, only that one is used
--    (a published city figure beats our aggregate of sub-city entities);
--  * step 1, per series and period: time aggregate = last value ('last'), sum ('sum' of a
--    count per period), else mean (also 'sum' indicators whose unit is per day);
--  * step 2, per city, source and period: 'sum' indicators add the series, others average them;
--  * grains: daily, weekly (ISO weeks, Monday first), monthly, annual;
--  * coverage = points present / (active series x points a series should have in the period),
--    a series being active when it has any value in the calendar year of the period's first
--    point (a week across New Year counts in the year its data starts);
--  * one source per city and period: native grain first, then coverage, points, source id.
--
-- Step 1 keeps partials (points, total, first and last time, last value) per series and
-- period, so every coarser grain is rolled up from finer partials: daily from raw (hourly and
-- daily series), monthly from daily (or raw: monthly and annual series), weekly from daily,
-- annual from monthly. A mean is total / points, exactly the mean of the raw points. The
-- partials live in the lake (series_period) by source, grain and bucket (the period's month;
-- its year for annual), and a changed raw month recomputes whole buckets only:
-- in_recomputed lists them. Inputs:
--   in_raw(series_key, ts, value, source_id, month)   raw partitions touched
--   in_keys(series_key, source_id, series_id, indicator_id, city_id, entity_id, series_grain)
--   in_stored(<partial columns>, bucket)               stored partials the steps need
--   in_recomputed(source_id, grain, bucket)            buckets this run recomputes
--   in_indicator(indicator_id, aggregation, unit), in_station(station_id)
--   in_direct(indicator_id, city_id, grain, period_start)   city values loaded directly
--   in_scope(indicator_id, city_id, yr), in_station_scope(indicator_id, station_id, yr)
--       the years of city and station values to recompute (a week counts in both years
--       it touches)

-- step: d_fine
SELECT k.source_id, o.series_key, k.series_id, k.indicator_id, k.city_id, k.entity_id,
       k.series_grain,
       CASE WHEN k.series_grain IN ('hourly', 'daily') THEN 'daily' ELSE 'monthly' END AS grain,
       CAST(CASE WHEN k.series_grain IN ('hourly', 'daily') THEN date_trunc('day', o.ts)
                 ELSE date_trunc('month', o.ts) END AS DATE) AS period_start,
       count(*) AS n, sum(o.value) AS total, min(o.ts) AS first_ts, max(o.ts) AS last_ts,
       arg_max(o.value, o.ts) AS last_value
FROM in_raw o
JOIN in_keys k ON k.series_key = o.series_key
-- finite values only (NaN sorts above every number in both engines)
WHERE o.value BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9

-- step: d_kept
SELECT s.source_id, s.series_key, s.series_id, s.indicator_id, s.city_id, s.entity_id,
       s.series_grain, s.grain, s.period_start, s.n, s.total, s.first_ts, s.last_ts,
       s.last_value
FROM in_stored s
WHERE NOT EXISTS (
    SELECT 1 FROM in_recomputed r
    WHERE r.source_id = s.source_id AND r.grain = s.grain AND r.bucket = s.bucket
)

-- step: d_monthly
SELECT source_id, series_key, series_id, indicator_id, city_id, entity_id, series_grain,
       grain, period_start, n, total, first_ts, last_ts, last_value
FROM d_fine WHERE grain = 'monthly'
UNION ALL
SELECT source_id, series_key, series_id, indicator_id, city_id, entity_id, series_grain,
       'monthly' AS grain, CAST(date_trunc('month', period_start) AS DATE) AS period_start,
       sum(n) AS n, sum(total) AS total, min(first_ts) AS first_ts, max(last_ts) AS last_ts,
       arg_max(last_value, last_ts) AS last_value
FROM d_fine WHERE grain = 'daily'
GROUP BY 1, 2, 3, 4, 5, 6, 7, 9

-- step: d_weekly
WITH days AS (
    SELECT source_id, series_key, series_id, indicator_id, city_id, entity_id, series_grain,
           period_start, n, total, first_ts, last_ts, last_value
    FROM d_kept WHERE grain = 'daily'
    UNION ALL
    SELECT source_id, series_key, series_id, indicator_id, city_id, entity_id, series_grain,
           period_start, n, total, first_ts, last_ts, last_value
    FROM d_fine WHERE grain = 'daily'
), weeks AS (
    SELECT d.*, CAST(date_trunc('week', d.period_start) AS DATE) AS week FROM days d
)
SELECT w.source_id, w.series_key, w.series_id, w.indicator_id, w.city_id, w.entity_id,
       w.series_grain, 'weekly' AS grain, w.week AS period_start,
       sum(w.n) AS n, sum(w.total) AS total, min(w.first_ts) AS first_ts,
       max(w.last_ts) AS last_ts, arg_max(w.last_value, w.last_ts) AS last_value
FROM weeks w
JOIN in_recomputed r
  ON r.source_id = w.source_id AND r.grain = 'weekly' AND r.bucket = strftime(w.week, '%Y-%m')
GROUP BY 1, 2, 3, 4, 5, 6, 7, 9

-- step: d_annual
WITH months AS (
    SELECT source_id, series_key, series_id, indicator_id, city_id, entity_id, series_grain,
           period_start, n, total, first_ts, last_ts, last_value
    FROM d_kept WHERE grain = 'monthly'
    UNION ALL
    SELECT source_id, series_key, series_id, indicator_id, city_id, entity_id, series_grain,
           period_start, n, total, first_ts, last_ts, last_value
    FROM d_monthly
)
SELECT m.source_id, m.series_key, m.series_id, m.indicator_id, m.city_id, m.entity_id,
       m.series_grain, 'annual' AS grain,
       CAST(date_trunc('year', m.period_start) AS DATE) AS period_start,
       sum(m.n) AS n, sum(m.total) AS total, min(m.first_ts) AS first_ts,
       max(m.last_ts) AS last_ts, arg_max(m.last_value, m.last_ts) AS last_value
FROM months m
JOIN in_recomputed r
  ON r.source_id = m.source_id AND r.grain = 'annual'
 AND r.bucket = strftime(m.period_start, '%Y')
GROUP BY 1, 2, 3, 4, 5, 6, 7, 9

-- step: d_out
SELECT p.*,
       CASE WHEN p.grain = 'annual' THEN strftime(p.period_start, '%Y')
            ELSE strftime(p.period_start, '%Y-%m') END AS bucket
FROM (
    SELECT source_id, series_key, series_id, indicator_id, city_id, entity_id, series_grain,
           grain, period_start, n, total, first_ts, last_ts, last_value
    FROM d_fine WHERE grain = 'daily'
    UNION ALL
    SELECT source_id, series_key, series_id, indicator_id, city_id, entity_id, series_grain,
           grain, period_start, n, total, first_ts, last_ts, last_value
    FROM d_monthly
    UNION ALL
    SELECT source_id, series_key, series_id, indicator_id, city_id, entity_id, series_grain,
           grain, period_start, n, total, first_ts, last_ts, last_value
    FROM d_weekly
    UNION ALL
    SELECT source_id, series_key, series_id, indicator_id, city_id, entity_id, series_grain,
           grain, period_start, n, total, first_ts, last_ts, last_value
    FROM d_annual
) p

-- step: d_partials
SELECT source_id, series_key, series_id, indicator_id, city_id, entity_id, series_grain,
       grain, period_start, n, total, first_ts, last_ts, last_value
FROM d_kept
UNION ALL
SELECT source_id, series_key, series_id, indicator_id, city_id, entity_id, series_grain,
       grain, period_start, n, total, first_ts, last_ts, last_value
FROM d_out

-- step: d_used
WITH city_entity AS (
    SELECT DISTINCT indicator_id, city_id, source_id FROM d_partials
    WHERE grain = 'annual' AND entity_id = 'city'
)
SELECT p.* FROM d_partials p
LEFT JOIN city_entity c
  ON c.indicator_id = p.indicator_id AND c.city_id = p.city_id AND c.source_id = p.source_id
WHERE p.entity_id = 'city' OR c.indicator_id IS NULL

-- step: d_active
SELECT indicator_id, city_id, source_id, year(period_start) AS yr,
       count(DISTINCT series_id) AS n_series
FROM d_used WHERE grain = 'annual'
GROUP BY 1, 2, 3, 4

-- step: d_series_value
WITH r AS (
    SELECT u.*,
           CASE u.series_grain WHEN 'hourly' THEN 0 WHEN 'daily' THEN 1 WHEN 'monthly' THEN 3
                               WHEN 'annual' THEN 4 END AS series_rank,
           CASE u.grain WHEN 'daily' THEN 1 WHEN 'weekly' THEN 2 WHEN 'monthly' THEN 3
                        ELSE 4 END AS target_rank,
           CASE u.grain WHEN 'daily' THEN 1 WHEN 'weekly' THEN 7
                        WHEN 'monthly' THEN day(last_day(u.period_start))
                        ELSE dayofyear(make_date(year(u.period_start), 12, 31)) END AS days
    FROM d_used u
)
SELECT r.indicator_id, r.city_id, r.entity_id, r.series_id, r.source_id, i.aggregation,
       r.series_rank, r.grain AS target_grain, r.target_rank, r.period_start,
       CASE
           WHEN i.aggregation = 'last' THEN r.last_value
           WHEN i.aggregation = 'sum' AND i.unit NOT LIKE '%/day' THEN r.total
           ELSE r.total / r.n
       END AS value,
       r.n, r.first_ts,
       CASE r.series_grain
           WHEN 'hourly' THEN 24 * r.days
           WHEN 'daily' THEN r.days
           WHEN 'monthly' THEN CASE WHEN r.grain = 'annual' THEN 12 ELSE 1 END
           ELSE 1
       END AS expected
FROM r
JOIN in_indicator i ON i.indicator_id = r.indicator_id
WHERE r.target_rank >= r.series_rank
  AND (r.grain <> 'weekly' OR r.series_grain IN ('hourly', 'daily'))

-- step: d_city_keys
SELECT DISTINCT sv.indicator_id, sv.city_id, sv.target_grain, sv.period_start
FROM d_series_value sv
JOIN in_scope s
  ON s.indicator_id = sv.indicator_id AND s.city_id = sv.city_id
 AND s.yr BETWEEN year(sv.period_start)
              AND CASE WHEN sv.target_grain = 'weekly'
                       THEN year(sv.period_start + INTERVAL 6 DAY)
                       ELSE year(sv.period_start) END

-- step: d_city_value
WITH combined AS (
    SELECT sv.indicator_id, sv.city_id, sv.target_grain AS grain, sv.period_start, sv.source_id,
           CASE WHEN max(sv.aggregation) = 'sum' THEN sum(sv.value) ELSE avg(sv.value) END
               AS value,
           sum(sv.n) AS n_points,
           max(sv.expected) AS expected,
           year(min(sv.first_ts)) AS yr,
           min(sv.series_rank) = max(sv.target_rank) AS native
    FROM d_series_value sv
    JOIN d_city_keys k
      ON k.indicator_id = sv.indicator_id AND k.city_id = sv.city_id
     AND k.target_grain = sv.target_grain AND k.period_start = sv.period_start
    GROUP BY 1, 2, 3, 4, 5
), per_source AS (
    SELECT c.*, least(1.0, c.n_points / (a.n_series * c.expected)) AS coverage
    FROM combined c
    JOIN d_active a
      ON a.indicator_id = c.indicator_id AND a.city_id = c.city_id
     AND a.source_id = c.source_id AND a.yr = c.yr
)
SELECT p.indicator_id, p.city_id, p.grain, p.period_start, p.value, p.coverage,
       CAST(p.n_points AS INTEGER) AS n_points, p.source_id
FROM per_source p
WHERE NOT EXISTS (
    SELECT 1 FROM in_direct v
    WHERE v.indicator_id = p.indicator_id AND v.city_id = p.city_id AND v.grain = p.grain
      AND v.period_start = p.period_start
)
QUALIFY row_number() OVER (
    PARTITION BY p.indicator_id, p.city_id, p.grain, p.period_start
    ORDER BY p.native DESC, p.coverage DESC, p.n_points DESC, p.source_id
) = 1

-- step: d_station_month
-- Station values for maps: monthly from sub-annual series, annual from annual series.
SELECT sv.indicator_id, sv.entity_id AS station_id, sv.target_grain AS grain, sv.period_start,
       sv.value, least(1.0, sv.n / sv.expected) AS coverage, sv.source_id
FROM d_series_value sv
JOIN in_station st ON st.station_id = sv.entity_id
JOIN in_station_scope s
  ON s.indicator_id = sv.indicator_id AND s.station_id = sv.entity_id
 AND s.yr = year(sv.period_start)
WHERE sv.target_grain = 'monthly'
   OR (sv.target_grain = 'annual' AND sv.series_rank = sv.target_rank)
QUALIFY row_number() OVER (
    PARTITION BY sv.indicator_id, sv.entity_id, sv.target_grain, sv.period_start
    ORDER BY least(1.0, sv.n / sv.expected) DESC, sv.source_id
) = 1

-- step: d_station_value
-- A station's annual map value where it has no annual series: the mean of its monthly values
-- in the year, coverage counted over all twelve months (so a part year reads as one).
SELECT indicator_id, station_id, grain, period_start, value, coverage, source_id
FROM d_station_month
UNION ALL
SELECT m.indicator_id, m.station_id, 'annual' AS grain,
       CAST(date_trunc('year', m.period_start) AS DATE) AS period_start,
       avg(m.value) AS value, sum(m.coverage) / 12 AS coverage, min(m.source_id) AS source_id
FROM d_station_month m
WHERE m.grain = 'monthly'
  AND NOT EXISTS (
      SELECT 1 FROM d_station_month a
      WHERE a.indicator_id = m.indicator_id AND a.station_id = m.station_id
        AND a.grain = 'annual' AND year(a.period_start) = year(m.period_start)
  )
GROUP BY 1, 2, 4
