-- Whether the store was built from a snapshot, and that snapshot's data version.
SELECT key, value FROM meta WHERE key IN ('origin', 'snapshot_data_version');
