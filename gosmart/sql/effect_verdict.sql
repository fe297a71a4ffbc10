-- The verdict and what the data could detect, for effects stored before the engine wrote them
-- as columns. The verdict follows the 95% interval, by the engine's rule
-- (evidence/verdict.py): above zero a clear increase, below zero a clear decrease, across zero
-- no clear change, no estimate or no interval not estimable. The other figures come from what
-- the engine recorded in the effect's details (`mde`, the p-value kind's message), where it
-- did. A permutation p-value's floor comes from its number of units, exactly (a
-- synthetic-control rank among n units: 1 / n; a permutation over n cities: 1 / (n + 1)),
-- the floor its message states (three digits) only where no count was recorded.
UPDATE effect
SET verdict = CASE
        WHEN NOT estimable OR effect_avg_lo IS NULL OR effect_avg_hi IS NULL THEN 'not_estimable'
        WHEN effect_avg_lo > 0 THEN 'clear_increase'
        WHEN effect_avg_hi < 0 THEN 'clear_decrease'
        ELSE 'no_clear_change'
    END,
    se = coalesce(se, TRY_CAST(json_extract_string(details, '$.mde.standard_error') AS DOUBLE)),
    p_value_test = coalesce(p_value_test, CASE json_extract_string(details, '$.messages.p_value_kind.key')
        WHEN 'pkind_did_permutation' THEN 'permutation'
        WHEN 'pkind_synth_rank' THEN 'permutation'
        WHEN 'pkind_sdid_placebo' THEN 'placebo_se'
        WHEN 'pkind_did_placebo_se' THEN 'placebo_se'
        WHEN 'pkind_did_hac' THEN 'hac'
        WHEN 'pkind_its_hac' THEN 'hac'
        WHEN 'pkind_welch' THEN 'welch'
    END),
    p_value_min = coalesce(
        p_value_min,
        CASE json_extract_string(details, '$.messages.p_value_kind.key')
            WHEN 'pkind_synth_rank' THEN 1.0 / TRY_CAST(json_extract_string(details, '$.messages.p_value_kind.params.n') AS DOUBLE)
            WHEN 'pkind_did_permutation' THEN 1.0 / (TRY_CAST(json_extract_string(details, '$.messages.p_value_kind.params.n') AS DOUBLE) + 1)
        END,
        TRY_CAST(json_extract_string(details, '$.messages.p_value_kind.params.p_min') AS DOUBLE)
    ),
    mde = coalesce(mde, TRY_CAST(json_extract_string(details, '$.mde.value') AS DOUBLE)),
    mde_rel = coalesce(mde_rel, TRY_CAST(json_extract_string(details, '$.mde.relative') AS DOUBLE)),
    mde_kind = coalesce(mde_kind, json_extract_string(details, '$.mde.basis'))
WHERE verdict IS NULL;
