-- A project's target indicators in its own city, with the primary counterfactual where
-- the evidence engine produced one. params: project_id
SELECT pi.project_id,
       pi.indicator_id,
       p.city_id,
       v.grain,
       v.period_start,
       v.value,
       v.value_per_capita,
       v.coverage,
       v.source_id,
       e.method,
       ep.counterfactual,
       ep.lo AS counterfactual_lo,
       ep.hi AS counterfactual_hi
FROM project AS p
JOIN project_indicator AS pi USING (project_id)
JOIN indicator_value AS v
  ON v.indicator_id = pi.indicator_id AND v.city_id = p.city_id AND v.grain = pi.grain
LEFT JOIN effect AS e
  ON e.project_id = p.project_id AND e.indicator_id = pi.indicator_id AND e.is_primary
LEFT JOIN effect_path AS ep
  ON ep.project_id = e.project_id AND ep.indicator_id = e.indicator_id
 AND ep.method = e.method AND ep.period_start = v.period_start
WHERE p.project_id = ?
ORDER BY pi.indicator_id, v.period_start
