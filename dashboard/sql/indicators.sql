SELECT indicator_id, name_en, name_zh, unit, unit_zh, direction, native_grain, aggregation,
       per_capita_scale, iso37120, third_party, description_en, description_zh
FROM indicator
ORDER BY indicator_id
