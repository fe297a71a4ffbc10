SELECT source_id, connector, publisher, title, url, licence, attribution, kind, third_party,
       retrieved_at, rows, period_start, period_end, note
FROM source
ORDER BY source_id
