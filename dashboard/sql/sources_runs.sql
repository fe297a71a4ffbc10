-- The latest ingest runs, newest first.
SELECT run_id, connector, started_at, ended_at, status, rows, error
FROM ingest_run
ORDER BY started_at DESC, connector
LIMIT 60
