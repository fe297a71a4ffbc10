-- Provenance of the sources behind a selection. params: source_ids (list)
SELECT source_id, publisher, title, url, licence, attribution, kind, third_party, retrieved_at
FROM source
WHERE list_contains(?, source_id)
ORDER BY source_id
