-- Provenance of the rows a slide shows (publisher, licence, retrieval date).
SELECT source_id, publisher, title, url, licence, kind, third_party, retrieved_at
FROM source
WHERE list_contains(?, source_id)
ORDER BY source_id
