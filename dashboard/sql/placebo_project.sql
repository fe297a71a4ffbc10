-- Placebo runs of one effect. Parameters: project_id, indicator_id, method.
SELECT kind, unit, effect_avg, post_pre_ratio, pre_rmspe, CAST(path AS VARCHAR) AS path
FROM placebo
WHERE project_id = ? AND indicator_id = ? AND method = ?
ORDER BY kind, unit
