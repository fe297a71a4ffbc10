-- Names and units of one indicator (kiosk captions and axis titles).
SELECT indicator_id, name_en, name_zh, unit, unit_zh, per_capita_scale, third_party
FROM indicator
WHERE indicator_id = ?
