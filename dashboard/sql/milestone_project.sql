-- Reported figures of a project, with the page each was read from. Parameter: project_id.
-- One row per figure: the same value, unit, page and month in two reported files is one
-- figure (the more precise date kept, the notes of both joined). Same rule as
-- evidence/sql/milestones.sql.
WITH keyed AS (
    SELECT m.*,
           CASE WHEN m.value IS NULL THEN m.milestone_id
                ELSE concat_ws('|', m.value, m.unit, m.url, left(m.as_of, 7)) END AS figure
    FROM milestone AS m
    WHERE m.project_id = ?
),
notes AS (
    SELECT figure, string_agg(DISTINCT note, ' · ' ORDER BY note) AS note
    FROM keyed
    WHERE note IS NOT NULL
    GROUP BY figure
)
SELECT k.milestone_id, k.as_of, k.as_of_date, k.metric, k.value, k.unit, k.value_as_reported,
       k.lower_bound, k.reported_by, k.url, coalesce(n.note, k.note) AS note, k.reported,
       k.source_id, s.publisher, s.licence, s.retrieved_at
FROM keyed AS k
LEFT JOIN notes AS n USING (figure)
LEFT JOIN source AS s USING (source_id)
QUALIFY row_number() OVER (PARTITION BY k.figure ORDER BY length(k.as_of) DESC, k.source_id) = 1
ORDER BY k.metric, k.as_of_date
