-- Years with city or station values, per indicator.
SELECT DISTINCT indicator_id, year(period_start) AS year FROM indicator_value
UNION
SELECT DISTINCT indicator_id, year(period_start) AS year FROM station_value
ORDER BY indicator_id, year
