-- Observed vs counterfactual path of one effect, monthly at most (kiosk chart).
SELECT period_start, observed, counterfactual, lo, hi
FROM effect_path
WHERE project_id = ? AND indicator_id = ? AND method = ?
ORDER BY period_start
