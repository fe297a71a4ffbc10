-- Station points for the map: mean station value over [start, end), at one grain per
-- station (annual where the station has it, else monthly: two sources of one station can
-- count differently, so their values are never averaged together).
-- params: indicator_id, start, end
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
SELECT st.station_id, st.name, st.name_en, st.network, st.city_id, st.lat, st.lon,
       pg.value, pg.coverage, pg.n_periods, pg.source_id, pg.third_party
FROM per_grain AS pg
JOIN station AS st USING (station_id)
WHERE st.lat IS NOT NULL
  AND st.lon IS NOT NULL
QUALIFY row_number() OVER (
    PARTITION BY st.station_id
    ORDER BY CASE pg.grain WHEN 'annual' THEN 0 WHEN 'monthly' THEN 1 ELSE 2 END
) = 1
ORDER BY st.station_id
