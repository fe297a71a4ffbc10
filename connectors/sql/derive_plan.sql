-- What a derive run recomputes (DuckDB, on the store, before the derive definition runs):
-- the raw partitions changed since the last derive (lake_pending), widened where what the
-- last derive read besides raw observations (derive_input) changed. A full run (_mode.is_full)
-- recomputes everything. Each step is materialised under its name (connectors/derive.py).

-- step: _fp
-- What the derive reads besides raw observations, fingerprinted (compared with derive_input).
SELECT 'series' AS kind, CAST(k.series_key AS VARCHAR) AS key, k.source_id, s.indicator_id,
       s.city_id, s.entity_id, CAST(NULL AS INTEGER) AS yr,
       CAST(hash(k.series_id, s.indicator_id, s.city_id, s.entity_id, s.grain) AS VARCHAR)
           AS fingerprint
FROM series_source k LEFT JOIN series s USING (series_id)
UNION ALL
SELECT 'indicator', indicator_id, NULL, indicator_id, NULL, NULL, NULL,
       CAST(hash(aggregation, unit) AS VARCHAR)
FROM indicator
UNION ALL
SELECT 'station', station_id, NULL, NULL, NULL, station_id, NULL, '1' FROM station
UNION ALL
SELECT 'direct', indicator_id || '|' || city_id || '|' || year(period_start), NULL,
       indicator_id, city_id, NULL, year(period_start),
       CAST(hash(string_agg(grain || period_start, ',' ORDER BY grain, period_start)) AS VARCHAR)
FROM indicator_value
WHERE source_id NOT IN (SELECT source_id FROM series_source)
  AND source_id NOT IN (SELECT source_id FROM derive_input WHERE kind = 'series')
GROUP BY indicator_id, city_id, year(period_start)

-- step: _obs_sources
-- Sources whose city values are derived (now or at the last derive): their rows are replaced.
SELECT DISTINCT source_id FROM series_source
UNION SELECT DISTINCT source_id FROM derive_input WHERE kind = 'series'

-- step: _changed
-- Inputs whose fingerprint changed or that went away since the last derive (new series keys
-- bring their raw partitions with them, which lake_pending already lists).
SELECT coalesce(n.kind, o.kind) AS kind, coalesce(n.key, o.key) AS key,
       o.source_id AS old_source, n.source_id AS new_source,
       o.indicator_id AS old_indicator, n.indicator_id AS new_indicator,
       o.city_id AS old_city, n.city_id AS new_city,
       o.entity_id AS old_entity, n.entity_id AS new_entity, coalesce(n.yr, o.yr) AS yr
FROM _fp n FULL JOIN derive_input o ON o.kind = n.kind AND o.key = n.key
WHERE (o.key IS NULL AND n.kind <> 'series')
   OR n.key IS NULL
   OR o.fingerprint IS DISTINCT FROM n.fingerprint

-- step: _pairs
-- Every (source, indicator, city, entity) a derive saw or sees.
SELECT DISTINCT source_id, indicator_id, city_id, entity_id FROM (
    SELECT source_id, indicator_id, city_id, entity_id FROM _fp WHERE kind = 'series'
    UNION ALL
    SELECT source_id, indicator_id, city_id, entity_id FROM derive_input WHERE kind = 'series'
) WHERE indicator_id IS NOT NULL

-- step: in_touched
SELECT DISTINCT source_id, part AS month FROM lake_file
WHERE dataset = 'observation' AND (SELECT is_full FROM _mode)
UNION
SELECT source_id, month FROM lake_pending
UNION
-- a series whose attributes changed: every raw month of its source, old and new
SELECT f.source_id, f.part FROM lake_file f
WHERE f.dataset = 'observation' AND f.source_id IN (
    SELECT old_source FROM _changed WHERE kind = 'series'
    UNION SELECT new_source FROM _changed WHERE kind = 'series'
)

-- step: in_recomputed
-- Whole buckets a touched raw month recomputes: its days, its month, the weeks starting in it
-- or in the month before (which may reach into it), its year. A full run also empties every
-- bucket stored.
SELECT DISTINCT source_id, grain, bucket FROM (
    SELECT source_id, 'daily' AS grain, month AS bucket FROM in_touched
    UNION ALL SELECT source_id, 'monthly', month FROM in_touched
    UNION ALL SELECT source_id, 'weekly', month FROM in_touched
    UNION ALL SELECT source_id, 'weekly',
                     strftime(CAST(month || '-01' AS DATE) - INTERVAL 1 MONTH, '%Y-%m')
              FROM in_touched
    UNION ALL SELECT source_id, 'annual', left(month, 4) FROM in_touched
    UNION ALL SELECT source_id, grain, part FROM lake_file
              WHERE dataset = 'series_period' AND (SELECT is_full FROM _mode)
)

-- step: _wide
-- (indicator, city, entity) whose values are recomputed in every year: a series whose
-- attributes changed (old and new), an indicator whose rule changed, a station that came or
-- went, and a touched source with a city-wide series next to sub-city ones (whether the city
-- series has data decides which are used, in every year).
SELECT DISTINCT indicator_id, city_id, entity_id FROM (
    SELECT old_indicator AS indicator_id, old_city AS city_id, old_entity AS entity_id
    FROM _changed WHERE kind = 'series'
    UNION ALL
    SELECT new_indicator, new_city, new_entity FROM _changed WHERE kind = 'series'
    UNION ALL
    SELECT p.indicator_id, p.city_id, p.entity_id FROM _pairs p
    WHERE p.indicator_id IN (SELECT key FROM _changed WHERE kind = 'indicator')
       OR p.entity_id IN (SELECT key FROM _changed WHERE kind = 'station')
       OR (SELECT is_full FROM _mode)
    UNION ALL
    SELECT p.indicator_id, p.city_id, p.entity_id FROM _pairs p
    WHERE p.source_id IN (SELECT source_id FROM in_touched)
      AND EXISTS (SELECT 1 FROM _pairs c
                  WHERE c.source_id = p.source_id AND c.indicator_id = p.indicator_id
                    AND c.city_id = p.city_id AND c.entity_id = 'city')
      AND EXISTS (SELECT 1 FROM _pairs c
                  WHERE c.source_id = p.source_id AND c.indicator_id = p.indicator_id
                    AND c.city_id = p.city_id AND c.entity_id <> 'city')
) WHERE indicator_id IS NOT NULL

-- step: _years
-- Every year a pair has raw data in (through any source feeding it), or derived values.
SELECT DISTINCT p.indicator_id, p.city_id, p.entity_id, CAST(left(f.part, 4) AS INTEGER) AS yr
FROM _pairs p JOIN lake_file f ON f.source_id = p.source_id AND f.dataset = 'observation'
UNION
SELECT indicator_id, city_id, NULL, year(period_start) FROM indicator_value
WHERE source_id IN (SELECT source_id FROM _obs_sources)
UNION
SELECT indicator_id, NULL, station_id, year(period_start) FROM station_value

-- step: in_scope
SELECT DISTINCT indicator_id, city_id, yr FROM (
    SELECT p.indicator_id, p.city_id, CAST(left(t.month, 4) AS INTEGER) AS yr
    FROM in_touched t JOIN _pairs p ON p.source_id = t.source_id
    UNION ALL
    SELECT y.indicator_id, y.city_id, y.yr
    FROM _years y JOIN (SELECT DISTINCT indicator_id, city_id FROM _wide) w
      ON w.indicator_id = y.indicator_id AND w.city_id = y.city_id
    UNION ALL
    SELECT new_indicator, new_city, yr FROM _changed WHERE kind = 'direct'
    UNION ALL
    SELECT old_indicator, old_city, yr FROM _changed WHERE kind = 'direct'
) WHERE indicator_id IS NOT NULL AND city_id IS NOT NULL

-- step: in_station_scope
SELECT DISTINCT indicator_id, entity_id AS station_id, yr FROM (
    SELECT p.indicator_id, p.entity_id, CAST(left(t.month, 4) AS INTEGER) AS yr
    FROM in_touched t JOIN _pairs p ON p.source_id = t.source_id
    UNION ALL
    SELECT y.indicator_id, y.entity_id, y.yr
    FROM _years y JOIN (SELECT DISTINCT indicator_id, entity_id FROM _wide) w
      ON w.indicator_id = y.indicator_id AND w.entity_id = y.entity_id
) WHERE indicator_id IS NOT NULL AND entity_id IS NOT NULL

-- step: in_keys
SELECT k.series_key, k.source_id, k.series_id, s.indicator_id, s.city_id, s.entity_id,
       s.grain AS series_grain
FROM series_source k JOIN series s USING (series_id)

-- step: in_indicator
SELECT indicator_id, aggregation, unit FROM indicator

-- step: in_station
SELECT station_id FROM station

-- step: in_direct
SELECT indicator_id, city_id, grain, period_start FROM indicator_value
WHERE source_id NOT IN (SELECT source_id FROM _obs_sources)

-- step: _raw_files
SELECT f.path FROM lake_file f
JOIN in_touched t ON t.source_id = f.source_id AND t.month = f.part
WHERE f.dataset = 'observation'

-- step: _feeding
-- The sources (and years) feeding the city and station values in scope.
SELECT DISTINCT p.source_id, s.yr FROM in_scope s
JOIN _pairs p ON p.indicator_id = s.indicator_id AND p.city_id = s.city_id
UNION
SELECT DISTINCT p.source_id, s.yr FROM in_station_scope s
JOIN _pairs p ON p.indicator_id = s.indicator_id AND p.entity_id = s.station_id

-- step: _stored_files
-- Stored partials the steps read (none in a full run): for a touched month, the days either
-- side (weeks) and its year's months (the annual rollup); for a scope year, every bucket of
-- the year of every source feeding the pair, the weeks of the December before, and all
-- annual buckets (which series are active, which sources have a city-wide series).
WITH needed AS (
    SELECT source_id, 'daily' AS grain,
           strftime(CAST(month || '-01' AS DATE) - INTERVAL 1 MONTH, '%Y-%m') AS bucket,
           NULL AS yr FROM in_touched
    UNION ALL
    SELECT source_id, 'daily',
           strftime(CAST(month || '-01' AS DATE) + INTERVAL 1 MONTH, '%Y-%m'), NULL
    FROM in_touched
    UNION ALL
    SELECT source_id, 'monthly', NULL, CAST(left(month, 4) AS INTEGER) FROM in_touched
    UNION ALL
    SELECT f.source_id, g.grain, NULL, f.yr
    FROM _feeding f
    CROSS JOIN (VALUES ('daily'), ('weekly'), ('monthly'), ('annual')) g(grain)
    UNION ALL
    SELECT p.source_id, 'weekly', CAST(s.yr - 1 AS VARCHAR) || '-12', NULL
    FROM in_scope s JOIN _pairs p ON p.indicator_id = s.indicator_id AND p.city_id = s.city_id
    UNION ALL
    SELECT DISTINCT source_id, 'annual', NULL, NULL FROM _feeding
)
SELECT DISTINCT f.path FROM lake_file f
JOIN needed n ON n.source_id = f.source_id AND n.grain = f.grain
 AND (n.bucket = f.part
      OR (n.bucket IS NULL AND n.yr IS NOT NULL AND left(f.part, 4) = CAST(n.yr AS VARCHAR))
      OR (n.bucket IS NULL AND n.yr IS NULL))
WHERE f.dataset = 'series_period' AND NOT (SELECT is_full FROM _mode)
