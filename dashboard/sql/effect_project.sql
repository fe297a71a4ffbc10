-- Effect rows, primary first per indicator: one project's, or every project's when the
-- parameter is NULL (the data API's /effects.json). The verdict and what the data could
-- detect come first after the row's key: every screen leads with them.
-- Parameter: project_id or NULL.
SELECT project_id, indicator_id, method, is_primary, estimable,
       verdict, evidence_level, effect_avg, effect_avg_lo, effect_avg_hi, mde, mde_rel, mde_kind,
       p_value, p_value_test, p_value_min, p_value_kind, se,
       reason, effect_rel, effect_rel_lo, effect_rel_hi,
       effect_cum, effect_cum_lo, effect_cum_hi, pre_rmspe, pre_fit_r2,
       evidence_reason, agreement, CAST(details AS VARCHAR) AS details,
       launch_date, pre_start, pre_end, post_start, post_end, seed,
       data_version, code_version, computed_at, per_capita
FROM effect
WHERE $1::VARCHAR IS NULL OR project_id = $1
ORDER BY project_id, indicator_id, is_primary DESC, evidence_level DESC NULLS LAST, method
