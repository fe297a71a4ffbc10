-- Latest registered population per city, for "cities of similar size".
SELECT city_id,
       arg_max(value, period_start) AS population,
       year(max(period_start)) AS year
FROM indicator_value
WHERE indicator_id = 'population' AND grain = 'annual' AND value IS NOT NULL
GROUP BY city_id
