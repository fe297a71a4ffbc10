-- Station points for the map in one year: each station's stored annual value (from its
-- annual series, else the mean of its monthly values: connectors/sql/derive.sql), with
-- its name and place. Stations without a place are left out. params: indicator_id, year start
SELECT st.station_id, st.name, st.name_en, st.network, st.city_id, st.lat, st.lon,
       sv.value, sv.coverage, sv.source_id, coalesce(src.third_party, false) AS third_party
FROM station_value AS sv
JOIN station AS st ON st.station_id = sv.station_id
LEFT JOIN source AS src ON src.source_id = sv.source_id
WHERE sv.indicator_id = ?
  AND sv.grain = 'annual'
  AND sv.period_start = ?
  AND st.lat IS NOT NULL
  AND st.lon IS NOT NULL
ORDER BY st.station_id
