-- Reported figures (news, press releases) per project: what descriptive results cite.
-- One row per figure: the same value, unit, page and month in two reported files is one
-- figure (same rule as dashboard/sql/milestone_project.sql).
SELECT project_id, as_of, metric, value, unit, value_as_reported, lower_bound, url
FROM milestone
QUALIFY row_number() OVER (
    PARTITION BY project_id,
                 CASE WHEN value IS NULL THEN milestone_id
                      ELSE concat_ws('|', value, unit, url, left(as_of, 7)) END
    ORDER BY length(as_of) DESC, source_id
) = 1
ORDER BY project_id, as_of_date, metric
