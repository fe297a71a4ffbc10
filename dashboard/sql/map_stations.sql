-- Station values for the map: the mean over [start, end), at one grain per station (annual
-- where the station has it, else monthly: two sources of one station can count differently,
-- so their values are never averaged together). Names and places come from the catalog
-- (map_station_list.sql). params: indicator_id, start, end
WITH per_grain AS (
    SELECT sv.station_id,
           sv.grain,
           avg(sv.value) AS value,
           avg(sv.coverage) AS coverage,
           count(sv.value) AS n_periods,
           min(sv.source_id) AS source_id,
           bool_or(src.third_party) AS third_party
    FROM station_value AS sv
    LEFT JOIN source AS src ON src.source_id = sv.source_id
    WHERE sv.indicator_id = ?
      AND sv.period_start >= ?
      AND sv.period_start < ?
    GROUP BY sv.station_id, sv.grain
)
SELECT station_id, value, coverage, n_periods, source_id, third_party
FROM per_grain
QUALIFY row_number() OVER (
    PARTITION BY station_id
    ORDER BY CASE grain WHEN 'annual' THEN 0 WHEN 'monthly' THEN 1 ELSE 2 END
) = 1
