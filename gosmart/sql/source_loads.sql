-- Every source in the store with its last successful load: the end of its newest 'ok'
-- ingest run, else (no run recorded) its retrieval time; and how its newest run went.
WITH last_ok AS (
    SELECT connector AS source_id, max(ended_at) AS last_ok_run
    FROM ingest_run WHERE status = 'ok' GROUP BY 1
), last_run AS (
    SELECT connector AS source_id, status, error
    FROM ingest_run
    QUALIFY row_number() OVER (PARTITION BY connector ORDER BY started_at DESC) = 1
)
SELECT s.source_id, s.publisher, s.licence, s.kind, s.third_party, s.retrieved_at,
       o.last_ok_run, coalesce(o.last_ok_run, s.retrieved_at) AS loaded_at,
       s.rows, s.period_start, s.period_end, r.status, r.error
FROM source s
LEFT JOIN last_ok o USING (source_id)
LEFT JOIN last_run r USING (source_id)
ORDER BY s.source_id;
