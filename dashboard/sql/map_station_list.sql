-- Stations that can be drawn on the map (they have a place), by id.
SELECT station_id, name, name_en, network, city_id, lat, lon
FROM station
WHERE lat IS NOT NULL
  AND lon IS NOT NULL
ORDER BY station_id
