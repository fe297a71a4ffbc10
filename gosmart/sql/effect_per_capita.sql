-- Whether each stored effect was estimated on values per N residents, for effects stored
-- before the engine wrote the column: the engine recorded the value column it used in the
-- effect's details (evidence/inputs.py). Rows without that record were not estimated per capita.
UPDATE effect
SET per_capita = coalesce(json_extract_string(details, '$.input.value_column') = 'value_per_capita',
                          false)
WHERE per_capita IS NULL;
