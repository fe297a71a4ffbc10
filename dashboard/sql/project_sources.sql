-- Every source behind a project page: the series shown and the reported milestones.
-- Parameters: indicator_id, grain, city_ids (list), project_id.
WITH used AS (
    SELECT DISTINCT source_id
    FROM indicator_value
    WHERE indicator_id = ? AND grain = ? AND list_contains(?, city_id)
    UNION
    SELECT DISTINCT source_id FROM milestone WHERE project_id = ?
)
SELECT s.source_id, s.publisher, s.title, s.url, s.licence, s.attribution, s.kind,
       s.third_party, s.retrieved_at, s.period_start, s.period_end
FROM used
JOIN source AS s USING (source_id)
ORDER BY s.kind = 'reported', s.publisher, s.source_id
