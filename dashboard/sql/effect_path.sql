-- Observed and counterfactual path with its band. Parameters: project_id, indicator_id, method.
SELECT period_start, observed, counterfactual, lo, hi
FROM effect_path
WHERE project_id = ? AND indicator_id = ? AND method = ?
ORDER BY period_start
