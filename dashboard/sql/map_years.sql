-- Years with city or station values of an indicator. params: indicator_id, indicator_id
SELECT DISTINCT year(period_start) AS year FROM indicator_value WHERE indicator_id = ?
UNION
SELECT DISTINCT year(period_start) AS year FROM station_value WHERE indicator_id = ?
ORDER BY year
