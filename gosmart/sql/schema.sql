-- The one DuckDB schema. Every table a reader may touch is declared here;
-- connectors, evidence and the dashboard code against these columns only.

CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

-- Provenance: every loaded row names one of these.
CREATE TABLE IF NOT EXISTS source (
    source_id    VARCHAR PRIMARY KEY,   -- e.g. 'moenv_aqx_p_432'
    connector    VARCHAR NOT NULL,
    publisher    VARCHAR NOT NULL,
    title        VARCHAR NOT NULL,
    url          VARCHAR,               -- API endpoint or public page
    location     VARCHAR,               -- file path or URL actually read (no secrets)
    licence      VARCHAR NOT NULL,
    attribution  VARCHAR,
    kind         VARCHAR NOT NULL,      -- 'live' | 'file' | 'snapshot' | 'reported'
    third_party  BOOLEAN NOT NULL DEFAULT FALSE,
    retrieved_at TIMESTAMP NOT NULL,
    sha256       VARCHAR,
    rows         BIGINT,
    period_start DATE,
    period_end   DATE,
    note         VARCHAR
);

CREATE TABLE IF NOT EXISTS ingest_run (
    run_id     VARCHAR NOT NULL,
    connector  VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    ended_at   TIMESTAMP,
    status     VARCHAR NOT NULL,        -- 'ok' | 'failed'
    rows       BIGINT,
    error      VARCHAR,
    PRIMARY KEY (run_id, connector)
);

-- Registry (from datasets/registry, loaded on every build).
CREATE TABLE IF NOT EXISTS city (
    city_id       VARCHAR PRIMARY KEY,  -- ISO 3166-2 ('TW-NWT', 'ID-JB') or 'ID-JB-3273'
    country       VARCHAR NOT NULL,
    level         VARCHAR NOT NULL,
    name_en       VARCHAR NOT NULL,
    name_zh       VARCHAR NOT NULL,
    name_local    VARCHAR,
    official_code VARCHAR,
    parent_id     VARCHAR,
    geo_file      VARCHAR,
    geo_id        VARCHAR,
    lat           DOUBLE,
    lon           DOUBLE
);

CREATE TABLE IF NOT EXISTS indicator (
    indicator_id     VARCHAR PRIMARY KEY,
    name_en          VARCHAR NOT NULL,
    name_zh          VARCHAR NOT NULL,
    unit             VARCHAR NOT NULL,
    unit_zh          VARCHAR,
    direction        VARCHAR NOT NULL,  -- 'higher' | 'lower' | 'ambiguous' | 'none'
    native_grain     VARCHAR NOT NULL,  -- 'hourly' | 'daily' | 'monthly' | 'annual'
    aggregation      VARCHAR NOT NULL,  -- how raw points become a city period value
    per_capita_scale INTEGER,           -- e.g. 10000 -> "per 10,000 residents"
    iso37120         VARCHAR,
    third_party      BOOLEAN NOT NULL DEFAULT FALSE,
    description_en   VARCHAR,
    description_zh   VARCHAR
);

CREATE TABLE IF NOT EXISTS project (
    project_id     VARCHAR PRIMARY KEY,
    award_year     INTEGER NOT NULL,
    name_en        VARCHAR NOT NULL,
    name_zh        VARCHAR NOT NULL,
    city_id        VARCHAR NOT NULL,
    agency_en      VARCHAR,
    agency_zh      VARCHAR,
    summary_en     VARCHAR,
    summary_zh     VARCHAR,
    story_en       VARCHAR,
    story_zh       VARCHAR,
    launch_date    DATE,                -- the date the analysis uses by default
    launch_date_min DATE,               -- earliest date the sources allow
    launch_date_max DATE,               -- latest date the sources allow
    launch_confidence VARCHAR,          -- plain-language note on how sure we are
    evidence_note_en VARCHAR,
    evidence_note_zh VARCHAR,
    data_status      VARCHAR,           -- 'evidence' | 'reported_only' | 'award_only'
    headline_metric  VARCHAR,           -- milestone.metric used as headline when no official series
    milestone_groups VARCHAR[]          -- extra milestone.project_id values giving context
);

CREATE TABLE IF NOT EXISTS project_date (
    project_id VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL,        -- 'launch' | 'phase' | 'award'
    date       DATE NOT NULL,
    precision  VARCHAR NOT NULL,        -- 'day' | 'month' | 'year'
    label_en   VARCHAR NOT NULL,
    label_zh   VARCHAR NOT NULL,
    source_url VARCHAR NOT NULL,
    confidence VARCHAR NOT NULL,        -- 'confirmed' | 'reported' | 'inferred' | 'disputed'
    note       VARCHAR
);

CREATE TABLE IF NOT EXISTS project_indicator (
    project_id         VARCHAR NOT NULL,
    indicator_id       VARCHAR NOT NULL,
    role               VARCHAR NOT NULL, -- 'headline' | 'target' | 'context'
    expected_direction VARCHAR NOT NULL, -- 'up' | 'down' | 'ambiguous' | 'none' (context only)
    comparison_cities  VARCHAR[],
    grain              VARCHAR NOT NULL, -- grain the evidence engine uses
    per_capita         BOOLEAN NOT NULL DEFAULT FALSE,
    note               VARCHAR,
    PRIMARY KEY (project_id, indicator_id)
);

-- Confounders and data breaks, with dates and sources.
CREATE TABLE IF NOT EXISTS event (
    event_id   VARCHAR PRIMARY KEY,
    kind       VARCHAR NOT NULL,        -- 'confounder' | 'data_break' | 'policy' | 'infrastructure'
    scope      VARCHAR NOT NULL,        -- city_id, 'TW', 'ID' or 'global'
    project_ids VARCHAR[],              -- projects it bears on (empty = all in scope)
    indicator_ids VARCHAR[],            -- indicators it bears on (empty = all)
    date_start DATE NOT NULL,
    date_end   DATE,
    label_en   VARCHAR NOT NULL,
    label_zh   VARCHAR NOT NULL,
    source_url VARCHAR NOT NULL,
    note       VARCHAR
);

-- Figures reported in news and press releases: never an official series.
CREATE TABLE IF NOT EXISTS milestone (
    milestone_id      VARCHAR PRIMARY KEY,
    project_id        VARCHAR NOT NULL,
    as_of             VARCHAR NOT NULL,   -- 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' as reported
    as_of_date        DATE NOT NULL,      -- first day of that period, for plotting
    metric            VARCHAR NOT NULL,
    value             DOUBLE,
    unit              VARCHAR,
    value_as_reported VARCHAR,
    lower_bound       BOOLEAN NOT NULL DEFAULT FALSE,
    reported_by       VARCHAR,
    url               VARCHAR NOT NULL,
    note              VARCHAR,
    reported          BOOLEAN NOT NULL DEFAULT TRUE,
    source_id         VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS station (
    station_id VARCHAR PRIMARY KEY,     -- '<network>:<native id>'
    network    VARCHAR NOT NULL,        -- 'moenv' | 'airbox' | 'krtc' | 'klrt' | 'trtc' | 'dki'
    name       VARCHAR NOT NULL,
    name_en    VARCHAR,
    city_id    VARCHAR,
    lat        DOUBLE,
    lon        DOUBLE,
    kind       VARCHAR,
    source_id  VARCHAR NOT NULL
);

-- Raw observations: one series per (indicator, city, entity).
CREATE TABLE IF NOT EXISTS series (
    series_id    VARCHAR PRIMARY KEY,   -- '<indicator>|<city>|<entity>'
    indicator_id VARCHAR NOT NULL,
    city_id      VARCHAR NOT NULL,
    entity_id    VARCHAR NOT NULL,      -- station_id, line, or 'city'
    grain        VARCHAR NOT NULL,
    unit         VARCHAR NOT NULL,
    source_id    VARCHAR NOT NULL
);

-- One series as loaded by one source (a series may be fed by several, e.g. two file
-- periods), under a small integer key: the observation table holds numbers only.
CREATE TABLE IF NOT EXISTS series_source (
    series_key INTEGER PRIMARY KEY,
    series_id  VARCHAR NOT NULL,
    source_id  VARCHAR NOT NULL,
    UNIQUE (series_id, source_id)
);

-- Key (series, ts), checked by connectors/core.py on load rather than by an index:
-- the table is by far the largest, and without an index bulk loads run at DuckDB's speed.
CREATE TABLE IF NOT EXISTS observation (
    series_key INTEGER NOT NULL,        -- series_source.series_key
    ts         TIMESTAMP NOT NULL,
    value      DOUBLE
);

-- City-level values per period, derived from observations (or loaded at city grain).
CREATE TABLE IF NOT EXISTS indicator_value (
    indicator_id     VARCHAR NOT NULL,
    city_id          VARCHAR NOT NULL,
    grain            VARCHAR NOT NULL,  -- 'daily' | 'weekly' (ISO, from Monday) | 'monthly' | 'annual'
    period_start     DATE NOT NULL,
    value            DOUBLE,
    value_per_capita DOUBLE,            -- value / population * indicator.per_capita_scale
    coverage         DOUBLE,            -- share of expected raw points present, 0..1
    n_points         INTEGER,
    source_id        VARCHAR NOT NULL,
    PRIMARY KEY (indicator_id, city_id, grain, period_start)
);

-- Station-level period values, for maps (small; shipped in the snapshot).
CREATE TABLE IF NOT EXISTS station_value (
    indicator_id VARCHAR NOT NULL,
    station_id   VARCHAR NOT NULL,
    grain        VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    value        DOUBLE,
    coverage     DOUBLE,
    source_id    VARCHAR NOT NULL,
    PRIMARY KEY (indicator_id, station_id, grain, period_start)
);

-- Evidence engine output (written by `gosmart evidence`).
CREATE TABLE IF NOT EXISTS effect (
    project_id      VARCHAR NOT NULL,
    indicator_id    VARCHAR NOT NULL,
    method          VARCHAR NOT NULL,   -- 'synthetic_control' | 'did' | 'its' | 'descriptive' | ...
    is_primary      BOOLEAN NOT NULL,
    estimable       BOOLEAN NOT NULL,
    reason          VARCHAR,            -- why this design, or why not estimable
    effect_avg      DOUBLE,
    effect_avg_lo   DOUBLE,
    effect_avg_hi   DOUBLE,
    effect_rel      DOUBLE,             -- relative to the counterfactual, as a fraction
    effect_rel_lo   DOUBLE,
    effect_rel_hi   DOUBLE,
    effect_cum      DOUBLE,
    effect_cum_lo   DOUBLE,
    effect_cum_hi   DOUBLE,
    p_value         DOUBLE,
    p_value_kind    VARCHAR,
    pre_rmspe       DOUBLE,
    pre_fit_r2      DOUBLE,
    evidence_level  INTEGER,            -- 1..5
    evidence_reason VARCHAR,
    agreement       VARCHAR,
    details         JSON,               -- weights, placebo results, caveats, sensitivity
    launch_date     DATE,
    pre_start       DATE,
    pre_end         DATE,
    post_start      DATE,
    post_end        DATE,
    seed            INTEGER,
    data_version    VARCHAR NOT NULL,
    code_version    VARCHAR NOT NULL,
    computed_at     TIMESTAMP NOT NULL,
    per_capita      BOOLEAN,            -- estimated on values per N residents (last: older stores gain it by ALTER)
    PRIMARY KEY (project_id, indicator_id, method)
);

CREATE TABLE IF NOT EXISTS effect_path (
    project_id     VARCHAR NOT NULL,
    indicator_id   VARCHAR NOT NULL,
    method         VARCHAR NOT NULL,
    period_start   DATE NOT NULL,
    observed       DOUBLE,
    counterfactual DOUBLE,
    lo             DOUBLE,
    hi             DOUBLE,
    PRIMARY KEY (project_id, indicator_id, method, period_start)
);

CREATE TABLE IF NOT EXISTS placebo (
    project_id   VARCHAR NOT NULL,
    indicator_id VARCHAR NOT NULL,
    method       VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,      -- 'space' | 'time' | 'leave_one_out' | 'launch_sensitivity'
    unit         VARCHAR NOT NULL,      -- donor city, fake date, dropped donor, tried date
    effect_avg   DOUBLE,
    post_pre_ratio DOUBLE,
    pre_rmspe    DOUBLE,
    path         JSON,                  -- [[period_start, gap], ...] for the gallery
    PRIMARY KEY (project_id, indicator_id, method, kind, unit)
);
