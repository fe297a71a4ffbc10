-- One city's period values aggregated in DuckDB from raw observations (hourly/daily series):
-- each series is averaged within a bucket, then the city's series are combined by the
-- indicator's aggregation ('sum' adds stations/lines, anything else averages them).
-- The rowid range (from compare_series_ranges) lets DuckDB skip every row group outside
-- the city's series: series ids share long prefixes, so their zone maps cannot.
-- The same SQL runs on the real store and on the 50M-row benchmark store.
-- params: bucket part ('day'|'week'|'month'|'year'), rowid lo, rowid hi, series_ids (list),
--         start (timestamp, incl.), end (timestamp, excl.), aggregation
WITH per_series AS (
    SELECT series_id,
           date_trunc(?, ts) AS bucket,
           avg(value) AS value,
           count(value) AS n_points
    FROM observation
    WHERE rowid BETWEEN ? AND ?
      AND list_contains(?, series_id)
      AND ts >= ?
      AND ts < ?
    GROUP BY ALL
)
SELECT CAST(bucket AS DATE) AS period_start,
       CASE WHEN ? = 'sum' THEN sum(value) ELSE avg(value) END AS value,
       CAST(sum(n_points) AS INTEGER) AS n_points
FROM per_series
GROUP BY bucket
ORDER BY bucket
