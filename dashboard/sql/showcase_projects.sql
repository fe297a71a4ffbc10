-- One row per project of an award year: city, headline indicator and its primary effect
-- (verdict first), and for a project without one its headline reported figure's span.
-- Parameter: award_year.
WITH headline AS (
    SELECT project_id, indicator_id, grain, expected_direction
    FROM project_indicator
    QUALIFY row_number() OVER (
        PARTITION BY project_id
        ORDER BY CASE role WHEN 'headline' THEN 0 WHEN 'target' THEN 1 ELSE 2 END, indicator_id
    ) = 1
),
primary_effect AS (
    SELECT *
    FROM effect
    QUALIFY row_number() OVER (
        PARTITION BY project_id, indicator_id ORDER BY is_primary DESC, evidence_level DESC NULLS LAST, method
    ) = 1
),
reported_span AS (
    SELECT m.project_id, m.metric, min(m.as_of_date) AS metric_first, max(m.as_of_date) AS metric_last
    FROM milestone AS m
    JOIN project AS p ON p.project_id = m.project_id AND m.metric = p.headline_metric
    GROUP BY ALL
)
SELECT p.project_id, p.award_year, p.name_en, p.name_zh, p.city_id,
       c.name_en AS city_name_en, c.name_zh AS city_name_zh,
       p.agency_en, p.agency_zh, p.summary_en, p.summary_zh,
       p.launch_date, p.launch_date_min, p.launch_date_max,
       h.indicator_id, h.grain, h.expected_direction,
       i.name_en AS indicator_name_en, i.name_zh AS indicator_name_zh,
       i.unit, i.unit_zh, i.per_capita_scale,
       coalesce(e.per_capita, false) AS effect_per_capita,
       e.verdict, e.evidence_level, e.method, e.estimable, e.effect_avg, e.effect_avg_lo,
       e.effect_avg_hi, e.effect_rel, e.effect_rel_lo, e.effect_rel_hi, e.mde, e.mde_rel,
       -- a log-scale fit's downward MDE (expm1(-x)), beside the upward mde / mde_rel
       TRY_CAST(json_extract_string(e.details, '$.mde.value_lo') AS DOUBLE) AS mde_lo,
       TRY_CAST(json_extract_string(e.details, '$.mde.relative_lo') AS DOUBLE) AS mde_rel_lo,
       TRY_CAST(json_extract_string(e.details, '$.mde.relative') AS DOUBLE) AS mde_rel_up,
       -- why a result has no estimate ('no_design_at_default': series exist, no design ran)
       json_extract_string(e.details, '$.messages.reason.params.why.key') AS reason_key,
       e.p_value, p.headline_metric, r.metric_first, r.metric_last
FROM project AS p
LEFT JOIN city AS c ON c.city_id = p.city_id
LEFT JOIN headline AS h ON h.project_id = p.project_id
LEFT JOIN indicator AS i ON i.indicator_id = h.indicator_id
LEFT JOIN primary_effect AS e ON e.project_id = p.project_id AND e.indicator_id = h.indicator_id
LEFT JOIN reported_span AS r ON r.project_id = p.project_id
WHERE p.award_year = ?
ORDER BY p.project_id
