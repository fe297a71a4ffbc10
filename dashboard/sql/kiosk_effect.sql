-- The primary, estimable effect of a project on an indicator (kiosk headline), its verdict
-- and minimum detectable effect first.
SELECT e.project_id, e.indicator_id, e.method, e.verdict, e.evidence_level, e.mde, e.mde_rel,
       e.effect_avg, e.effect_avg_lo, e.effect_avg_hi,
       e.effect_rel, e.effect_rel_lo, e.effect_rel_hi, e.effect_cum, e.effect_cum_lo,
       e.effect_cum_hi, e.p_value, e.post_start, e.post_end, e.launch_date,
       e.per_capita,
       -- a log-scale fit's downward MDE (expm1(-x)), beside the upward mde / mde_rel
       TRY_CAST(json_extract_string(e.details, '$.mde.value_lo') AS DOUBLE) AS mde_lo,
       TRY_CAST(json_extract_string(e.details, '$.mde.relative_lo') AS DOUBLE) AS mde_rel_lo,
       TRY_CAST(json_extract_string(e.details, '$.mde.relative') AS DOUBLE) AS mde_rel_up,
       -- the scale rule: an interval wider than the series itself, drawn without its band
       coalesce(TRY_CAST(json_extract_string(e.details, '$.scale_check.fires') AS BOOLEAN), false)
           AS scale_rule_fires
FROM effect AS e
WHERE e.project_id = ? AND e.indicator_id = ? AND e.estimable
ORDER BY e.is_primary DESC, e.evidence_level DESC NULLS LAST, e.method
LIMIT 1
