-- Station points for the map: mean station value over [start, end). params: indicator_id, start, end
SELECT st.station_id,
       st.name,
       st.name_en,
       st.network,
       st.city_id,
       st.lat,
       st.lon,
       avg(sv.value) AS value,
       avg(sv.coverage) AS coverage,
       count(sv.value) AS n_periods,
       min(sv.source_id) AS source_id,
       bool_or(src.third_party) AS third_party
FROM station_value AS sv
JOIN station AS st USING (station_id)
LEFT JOIN source AS src ON src.source_id = sv.source_id
WHERE sv.indicator_id = ?
  AND sv.period_start >= ?
  AND sv.period_start < ?
  AND st.lat IS NOT NULL
  AND st.lon IS NOT NULL
GROUP BY ALL
ORDER BY st.station_id
