-- Stores observations that name their series and source in text (a table or view called
-- observation_text_keyed: series_id, ts, value, source_id) under the integer key of each
-- (series, source) pair, adding keys for pairs not seen before. Used to bring a store
-- written before the keys existed up to date (gosmart.store.create_schema), and by tests.

INSERT INTO series_source (series_key, series_id, source_id)
SELECT (SELECT coalesce(max(series_key), 0) FROM series_source)
           + row_number() OVER (ORDER BY t.series_id, t.source_id),
       t.series_id, t.source_id
FROM (SELECT DISTINCT series_id, source_id FROM observation_text_keyed) t
WHERE NOT EXISTS (
    SELECT 1 FROM series_source k WHERE k.series_id = t.series_id AND k.source_id = t.source_id
);

INSERT INTO observation (series_key, ts, value)
SELECT k.series_key, o.ts, o.value
FROM observation_text_keyed o
JOIN series_source k USING (series_id, source_id);
