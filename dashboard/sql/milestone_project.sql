-- Reported figures of a project, with the page each was read from. Parameter: project_id.
-- One row per figure: the same value, unit, page and month in two reported files is one
-- figure (the more precise date kept, the outlet named by either, the notes of both joined).
-- Same rule as evidence/sql/milestones.sql. Notes are joined by their '; '-separated parts,
-- each once whatever its case ('Lower bound' and 'lower bound' are one part), and a part
-- that only says "lower bound" is left out: the figure's '≥' says it.
WITH keyed AS (
    SELECT m.*,
           CASE WHEN m.value IS NULL THEN m.milestone_id
                ELSE concat_ws('|', m.value, m.unit, m.url, left(m.as_of, 7)) END AS figure
    FROM milestone AS m
    WHERE m.project_id = ?
),
parts AS (
    SELECT figure, source_id, lower_bound, trim(p.part) AS part, p.n
    FROM keyed,
         unnest(string_split(note, ';')) WITH ORDINALITY AS p(part, n)
    WHERE note IS NOT NULL
),
distinct_parts AS (
    SELECT figure, part, min(source_id) AS source_id, min(n) AS n
    FROM parts
    WHERE part <> '' AND NOT (lower_bound AND lower(part) = 'lower bound')
    GROUP BY figure, lower(part), part
    QUALIFY row_number() OVER (PARTITION BY figure, lower(part) ORDER BY min(source_id)) = 1
),
notes AS (
    SELECT figure, string_agg(part, '; ' ORDER BY source_id, n) AS note
    FROM distinct_parts
    GROUP BY figure
),
outlets AS (
    SELECT figure, min(reported_by) AS reported_by
    FROM keyed
    WHERE reported_by IS NOT NULL
    GROUP BY figure
)
SELECT k.milestone_id, k.as_of, k.as_of_date, k.metric, k.value, k.unit, k.value_as_reported,
       k.lower_bound, o.reported_by, k.url, n.note, k.reported,
       k.source_id, s.publisher, s.licence, s.retrieved_at
FROM keyed AS k
LEFT JOIN notes AS n USING (figure)
LEFT JOIN outlets AS o USING (figure)
LEFT JOIN source AS s USING (source_id)
QUALIFY row_number() OVER (PARTITION BY k.figure ORDER BY length(k.as_of) DESC, k.source_id) = 1
ORDER BY k.metric, k.as_of_date
