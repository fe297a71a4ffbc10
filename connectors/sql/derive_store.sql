-- The derive's outputs into the serving store (DuckDB, after either engine): the derived
-- city and station values of the years in scope are replaced, per capita is recomputed for
-- every row, and what this derive read is recorded for the next one.
-- A key belongs to the years its period touches (a week across New Year to both), as in
-- derive.sql's d_city_keys.

-- step: delete_city
DELETE FROM indicator_value v
WHERE v.source_id IN (SELECT source_id FROM _obs_sources)
  AND EXISTS (
      SELECT 1 FROM in_scope s
      WHERE s.indicator_id = v.indicator_id AND s.city_id = v.city_id
        AND s.yr BETWEEN year(v.period_start)
                     AND CASE WHEN v.grain = 'weekly' THEN year(v.period_start + INTERVAL 6 DAY)
                              ELSE year(v.period_start) END
  )

-- step: insert_city
INSERT INTO indicator_value (indicator_id, city_id, grain, period_start, value, value_per_capita,
                             coverage, n_points, source_id)
SELECT indicator_id, city_id, grain, period_start, value, NULL, coverage, n_points, source_id
FROM d_city_value

-- step: delete_station
DELETE FROM station_value v
WHERE EXISTS (
    SELECT 1 FROM in_station_scope s
    WHERE s.indicator_id = v.indicator_id AND s.station_id = v.station_id
      AND s.yr = year(v.period_start)
)

-- step: insert_station
INSERT INTO station_value (indicator_id, station_id, grain, period_start, value, coverage, source_id)
SELECT indicator_id, station_id, grain, period_start, value, coverage, source_id
FROM d_station_value

-- step: per_capita
-- Per capita for every row (derived or loaded directly): population of the period's year,
-- else the nearest earlier year; nothing when no such population exists.
UPDATE indicator_value SET value_per_capita = NULL WHERE value_per_capita IS NOT NULL;
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
  AND p.period_start = v.period_start

-- step: record
DELETE FROM derive_input;
INSERT INTO derive_input SELECT kind, key, source_id, indicator_id, city_id, entity_id, yr,
                                fingerprint FROM _fp;
DELETE FROM lake_pending;
INSERT OR REPLACE INTO meta VALUES ('derived', 'lake')
