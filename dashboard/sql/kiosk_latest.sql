-- The latest value of an indicator in a city, with its source (kiosk headline).
SELECT iv.indicator_id, iv.city_id, iv.grain, iv.period_start, iv.value, iv.value_per_capita,
       iv.source_id
FROM indicator_value AS iv
WHERE iv.indicator_id = ? AND iv.city_id = ? AND iv.value IS NOT NULL
ORDER BY iv.period_start DESC,
         CASE iv.grain WHEN 'annual' THEN 0 WHEN 'monthly' THEN 1 ELSE 2 END
LIMIT 1
