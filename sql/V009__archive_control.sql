-- The monthly hot -> cold move as separately retryable steps (issue 12). The archive state machine
-- (lib/etl/archive-workflow.ts) drives them: dw.sp_archive_unload (UNLOAD one month, verified, recorded) -> Glue
-- CreatePartition/UpdatePartition (outside any procedure and transaction: external-table DDL cannot run inside one,
-- https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html) -> dw.sp_archive_switch (readers move to S3)
-- -> dw.sp_archive_delete (exactly the recorded rows). Every procedure is atomic (the default transaction mode):
-- a failure rolls its own step back and a rerun repeats it. dw.archive_month is the control table; the views below
-- read a month from exactly one side, chosen by it, so no reader sees a month twice or not at all.

-- The first V007's NONATOMIC procedures, should a database ever hold them (docs/warehouse.md, "Migrations").
DROP PROCEDURE IF EXISTS dw.sp_archive_facts();
DROP PROCEDURE IF EXISTS dw.sp_archive_table(VARCHAR, VARCHAR, VARCHAR, VARCHAR, DATE);

-- What the archive moves: one row per fact (the only place table-specific SQL comes from; the procedures refuse any
-- other table, so no caller-supplied text reaches dynamic SQL as an identifier). Kept equal to ARCHIVED_FACTS in
-- lib/etl/archive-workflow.ts by test/warehouse-sql-rules.test.ts.
CREATE TABLE IF NOT EXISTS dw.archive_table (
    table_name VARCHAR(128) NOT NULL ENCODE RAW,
    date_column VARCHAR(128) NOT NULL ENCODE ZSTD,
    partition_column VARCHAR(128) NOT NULL ENCODE ZSTD,
    column_list VARCHAR(1024) NOT NULL ENCODE ZSTD,
    PRIMARY KEY (table_name)
)
DISTSTYLE ALL;

DELETE FROM dw.archive_table;
INSERT INTO dw.archive_table (table_name, date_column, partition_column, column_list) VALUES
(
    'fact_sensor_reading', 'reading_date', 'reading_month',
    'device_id, reading_ts, reading_date, temperature, motor_speed_rpm, rvibration_temp, rvibration_z_rms_velocity, '
    || 'pressure, loaded_at'
),
(
    'fact_production', 'production_date', 'production_month',
    'production_date, line_id, device_id, product_code, units_produced, units_defective, loaded_at'
),
(
    'fact_daily_retail_sales', 'sales_date', 'sales_month',
    'sales_date, store_id, product_code, quantity, revenue_krw, loaded_at'
);

-- One row per archived version of a month. archive_id is derived from the rows it moves (newest loaded_at and their
-- count), so a rerun over the same rows finds its own row again. state: unloaded (files written and verified, not
-- yet read) -> switched (readers read the month from S3) -> deleted (the hot rows are gone); superseded (a newer
-- version of the month was switched).
CREATE TABLE IF NOT EXISTS dw.archive_month (
    table_name VARCHAR(128) NOT NULL ENCODE RAW,
    month_label CHAR(7) NOT NULL ENCODE RAW,
    archive_id VARCHAR(64) NOT NULL ENCODE ZSTD,
    location VARCHAR(1024) NOT NULL ENCODE ZSTD,
    hot_rows BIGINT NOT NULL ENCODE AZ64,
    loaded_cutoff TIMESTAMP NOT NULL ENCODE AZ64,
    unloaded_rows BIGINT NOT NULL ENCODE AZ64,
    state VARCHAR(16) NOT NULL ENCODE ZSTD,
    unloaded_at TIMESTAMP ENCODE AZ64,
    switched_at TIMESTAMP ENCODE AZ64,
    deleted_at TIMESTAMP ENCODE AZ64,
    deleted_rows BIGINT ENCODE AZ64,
    PRIMARY KEY (table_name, month_label, archive_id)
)
DISTSTYLE ALL
SORTKEY (table_name, month_label);

-- Step 1: UNLOAD one month of one fact, encrypted with the lake key (SSE-KMS), to a folder of its own, verify the
-- file row count with PG_LAST_UNLOAD_COUNT() and record it. When the month is already cold (a date of it was
-- reloaded after it was archived), the files hold the archived rows of the dates without hot rows plus the hot rows:
-- a rerun of any date replaces that date, as it does for hot months. Returns the archive id, the folder to register,
-- and the row counts; a NULL archive id means the month has no hot rows (nothing to do).
-- Dynamic SQL here uses only string literals, variables, || and QUOTE_LITERAL(); test/warehouse-sql-rules.test.ts
-- renders every EXECUTE and checks it against the UNLOAD rules.
CREATE OR REPLACE PROCEDURE dw.sp_archive_unload(
    p_table VARCHAR,
    p_month VARCHAR,
    p_root VARCHAR,
    p_iam_role VARCHAR,
    p_kms_key VARCHAR,
    o_archive_id OUT VARCHAR,
    o_location OUT VARCHAR,
    o_hot_rows OUT BIGINT,
    o_unloaded_rows OUT BIGINT
)
AS $$
DECLARE
    v_date_col VARCHAR(128);
    v_part_col VARCHAR(128);
    v_columns VARCHAR(1024);
    v_start VARCHAR(10);
    v_end VARCHAR(10);
    v_hot_where VARCHAR(2048);
    v_cutoff TIMESTAMP;
    v_cutoff_text VARCHAR(32);
    v_query VARCHAR(8192);
    v_count BIGINT;
    v_unloaded BIGINT;
    v_cold INTEGER;
BEGIN
    IF REGEXP_COUNT(COALESCE(p_month, ''), '^[0-9]{4}-(0[1-9]|1[0-2])$') = 0 THEN
        RAISE EXCEPTION 'dw.sp_archive_unload: month "%" is not YYYY-MM', p_month;
    END IF;
    IF REGEXP_COUNT(COALESCE(p_root, ''), '^s3://[a-z0-9.-]+/([A-Za-z0-9_=/-]+/)?$') = 0 THEN
        RAISE EXCEPTION 'dw.sp_archive_unload: root "%" is not s3://bucket/prefix/', p_root;
    END IF;
    SELECT INTO v_date_col, v_part_col, v_columns date_column, partition_column, column_list
    FROM dw.archive_table WHERE table_name = p_table;
    IF v_date_col IS NULL THEN
        RAISE EXCEPTION 'dw.sp_archive_unload: "%" is not listed in dw.archive_table', p_table;
    END IF;
    v_start := p_month || '-01';
    v_end := TO_CHAR(ADD_MONTHS(TO_DATE(v_start, 'YYYY-MM-DD'), 1), 'YYYY-MM-DD');
    v_hot_where := v_date_col || ' >= ' || QUOTE_LITERAL(v_start) || ' AND ' || v_date_col || ' < '
        || QUOTE_LITERAL(v_end);
    EXECUTE 'SELECT COUNT(*), MAX(COALESCE(loaded_at, ' || QUOTE_LITERAL('1900-01-01') || '::TIMESTAMP)) FROM dw.'
        || p_table || ' WHERE ' || v_hot_where INTO v_count, v_cutoff;
    IF v_count = 0 THEN
        RAISE INFO 'dw.sp_archive_unload(%, %): no hot rows', p_table, p_month;
        RETURN;
    END IF;
    v_cutoff_text := TO_CHAR(v_cutoff, 'YYYY-MM-DD HH24:MI:SS.US');
    v_hot_where := v_hot_where || ' AND COALESCE(loaded_at, ' || QUOTE_LITERAL('1900-01-01') || '::TIMESTAMP) <= '
        || QUOTE_LITERAL(v_cutoff_text) || '::TIMESTAMP';
    o_hot_rows := v_count;
    o_archive_id := 'a' || TO_CHAR(v_cutoff, 'YYYYMMDDHH24MISSUS') || 'n' || v_count;
    o_location := p_root || p_table || '/' || v_part_col || '=' || p_month || '/' || o_archive_id || '/';

    -- A rerun after a later step failed: the same rows give the same archive id, whose unload is already recorded.
    SELECT INTO o_unloaded_rows unloaded_rows FROM dw.archive_month
    WHERE table_name = p_table AND month_label = p_month AND archive_id = o_archive_id;
    IF o_unloaded_rows IS NOT NULL THEN
        RAISE INFO 'dw.sp_archive_unload(%, %): % already unloaded', p_table, p_month, o_archive_id;
        RETURN;
    END IF;

    v_query := 'SELECT ' || v_columns || ' FROM dw.' || p_table || ' WHERE ' || v_hot_where;
    SELECT INTO v_cold COUNT(*) FROM dw.archive_month
    WHERE table_name = p_table AND month_label = p_month AND state IN ('switched', 'deleted');
    IF v_cold > 0 THEN
        v_query := v_query || ' UNION ALL SELECT ' || v_columns || ' FROM archive.' || p_table || ' WHERE '
            || v_part_col || ' = ' || QUOTE_LITERAL(p_month) || ' AND ' || v_date_col || ' NOT IN (SELECT DISTINCT '
            || v_date_col || ' FROM dw.' || p_table || ' WHERE ' || v_hot_where || ')';
    END IF;
    EXECUTE 'SELECT COUNT(*) FROM (' || v_query || ') AS q' INTO v_count;
    EXECUTE 'UNLOAD (' || QUOTE_LITERAL(v_query) || ') TO ' || QUOTE_LITERAL(o_location || 'part_') || ' IAM_ROLE '
        || QUOTE_LITERAL(p_iam_role) || ' FORMAT AS PARQUET KMS_KEY_ID ' || QUOTE_LITERAL(p_kms_key)
        || ' ENCRYPTED CLEANPATH MAXFILESIZE 256 MB';
    SELECT INTO v_unloaded PG_LAST_UNLOAD_COUNT();
    IF v_unloaded IS NULL OR v_unloaded <> v_count THEN
        RAISE EXCEPTION 'dw.sp_archive_unload(%, %): UNLOAD wrote % rows but % match; nothing recorded',
            p_table, p_month, v_unloaded, v_count;
    END IF;
    INSERT INTO dw.archive_month (
        table_name, month_label, archive_id, location, hot_rows, loaded_cutoff, unloaded_rows, state, unloaded_at
    ) VALUES (p_table, p_month, o_archive_id, o_location, o_hot_rows, v_cutoff, v_count, 'unloaded', GETDATE());
    o_unloaded_rows := v_count;
END;
$$ LANGUAGE plpgsql;

-- Step 3 (after the partition is registered at the recorded location): readers of dw.v_*_all read the month from
-- S3 from this commit on; older versions of the month are superseded. Idempotent.
CREATE OR REPLACE PROCEDURE dw.sp_archive_switch(p_table VARCHAR, p_month VARCHAR, p_archive_id VARCHAR)
AS $$
DECLARE
    v_state VARCHAR(16);
BEGIN
    SELECT INTO v_state state FROM dw.archive_month
    WHERE table_name = p_table AND month_label = p_month AND archive_id = p_archive_id;
    IF v_state IS NULL OR v_state = 'superseded' THEN
        RAISE EXCEPTION 'dw.sp_archive_switch(%, %, %): no current unload recorded (state %)',
            p_table, p_month, p_archive_id, v_state;
    END IF;
    IF v_state = 'unloaded' THEN
        UPDATE dw.archive_month SET state = 'superseded'
        WHERE table_name = p_table AND month_label = p_month AND archive_id <> p_archive_id;
        UPDATE dw.archive_month SET state = 'switched', switched_at = GETDATE()
        WHERE table_name = p_table AND month_label = p_month AND archive_id = p_archive_id;
    END IF;
END;
$$ LANGUAGE plpgsql;

-- Step 4: delete exactly the hot rows the switched version holds (the month, loaded up to the recorded cut-off).
-- Idempotent: a rerun deletes nothing more. Rows loaded after the cut-off stay hot (hidden by the views) for the next
-- archive run.
CREATE OR REPLACE PROCEDURE dw.sp_archive_delete(
    p_table VARCHAR, p_month VARCHAR, p_archive_id VARCHAR, o_deleted OUT BIGINT
)
AS $$
DECLARE
    v_state VARCHAR(16);
    v_cutoff TIMESTAMP;
    v_hot BIGINT;
    v_date_col VARCHAR(128);
    v_start VARCHAR(10);
    v_end VARCHAR(10);
    v_cutoff_text VARCHAR(32);
BEGIN
    SELECT INTO v_state, v_cutoff, v_hot state, loaded_cutoff, hot_rows FROM dw.archive_month
    WHERE table_name = p_table AND month_label = p_month AND archive_id = p_archive_id;
    IF v_state IS NULL OR v_state NOT IN ('switched', 'deleted') THEN
        RAISE EXCEPTION 'dw.sp_archive_delete(%, %, %): not switched (state %)', p_table, p_month, p_archive_id,
            v_state;
    END IF;
    SELECT INTO v_date_col date_column FROM dw.archive_table WHERE table_name = p_table;
    v_start := p_month || '-01';
    v_end := TO_CHAR(ADD_MONTHS(TO_DATE(v_start, 'YYYY-MM-DD'), 1), 'YYYY-MM-DD');
    v_cutoff_text := TO_CHAR(v_cutoff, 'YYYY-MM-DD HH24:MI:SS.US');
    EXECUTE 'DELETE FROM dw.' || p_table || ' WHERE ' || v_date_col || ' >= ' || QUOTE_LITERAL(v_start) || ' AND '
        || v_date_col || ' < ' || QUOTE_LITERAL(v_end) || ' AND COALESCE(loaded_at, ' || QUOTE_LITERAL('1900-01-01')
        || '::TIMESTAMP) <= ' || QUOTE_LITERAL(v_cutoff_text) || '::TIMESTAMP';
    GET DIAGNOSTICS o_deleted := ROW_COUNT;
    IF v_state = 'switched' AND o_deleted > v_hot THEN
        RAISE EXCEPTION 'dw.sp_archive_delete(%, %, %): % rows match but % were archived; rolled back',
            p_table, p_month, p_archive_id, o_deleted, v_hot;
    END IF;
    UPDATE dw.archive_month
    SET state = 'deleted', deleted_at = COALESCE(deleted_at, GETDATE()),
        deleted_rows = COALESCE(deleted_rows, 0) + o_deleted
    WHERE table_name = p_table AND month_label = p_month AND archive_id = p_archive_id;
END;
$$ LANGUAGE plpgsql;

-- The views read a month from exactly one side: from dw while no version of it is switched, from S3 afterwards.
-- They expose the partition column (reading_month, production_month, sales_month) on both branches, so a filter on
-- it prunes archive partitions (docs/warehouse.md). The column list changes, so the views are dropped and created
-- (V010 grants them again).
DROP VIEW IF EXISTS dw.v_sensor_reading_all;
CREATE VIEW dw.v_sensor_reading_all AS
SELECT
    fact_sensor_reading.device_id,
    fact_sensor_reading.reading_ts,
    fact_sensor_reading.reading_date,
    fact_sensor_reading.temperature,
    fact_sensor_reading.motor_speed_rpm,
    fact_sensor_reading.rvibration_temp,
    fact_sensor_reading.rvibration_z_rms_velocity,
    fact_sensor_reading.pressure,
    TO_CHAR(fact_sensor_reading.reading_date, 'YYYY-MM') AS reading_month,
    FALSE AS is_archived
FROM dw.fact_sensor_reading
WHERE TO_CHAR(fact_sensor_reading.reading_date, 'YYYY-MM') NOT IN (
    SELECT archive_month.month_label FROM dw.archive_month
    WHERE
        archive_month.table_name = 'fact_sensor_reading'
        AND archive_month.state IN ('switched', 'deleted', 'superseded')
)
UNION ALL
SELECT
    fact_sensor_reading.device_id,
    fact_sensor_reading.reading_ts,
    fact_sensor_reading.reading_date,
    fact_sensor_reading.temperature,
    fact_sensor_reading.motor_speed_rpm,
    fact_sensor_reading.rvibration_temp,
    fact_sensor_reading.rvibration_z_rms_velocity,
    fact_sensor_reading.pressure,
    fact_sensor_reading.reading_month,
    TRUE AS is_archived
FROM archive.fact_sensor_reading
WHERE fact_sensor_reading.reading_month IN (
    SELECT archive_month.month_label FROM dw.archive_month
    WHERE
        archive_month.table_name = 'fact_sensor_reading'
        AND archive_month.state IN ('switched', 'deleted', 'superseded')
)
WITH NO SCHEMA BINDING;

DROP VIEW IF EXISTS dw.v_production_all;
CREATE VIEW dw.v_production_all AS
SELECT
    fact_production.production_date,
    fact_production.line_id,
    fact_production.device_id,
    fact_production.product_code,
    fact_production.units_produced,
    fact_production.units_defective,
    TO_CHAR(fact_production.production_date, 'YYYY-MM') AS production_month,
    FALSE AS is_archived
FROM dw.fact_production
WHERE TO_CHAR(fact_production.production_date, 'YYYY-MM') NOT IN (
    SELECT archive_month.month_label FROM dw.archive_month
    WHERE
        archive_month.table_name = 'fact_production'
        AND archive_month.state IN ('switched', 'deleted', 'superseded')
)
UNION ALL
SELECT
    fact_production.production_date,
    fact_production.line_id,
    fact_production.device_id,
    fact_production.product_code,
    fact_production.units_produced,
    fact_production.units_defective,
    fact_production.production_month,
    TRUE AS is_archived
FROM archive.fact_production
WHERE fact_production.production_month IN (
    SELECT archive_month.month_label FROM dw.archive_month
    WHERE
        archive_month.table_name = 'fact_production'
        AND archive_month.state IN ('switched', 'deleted', 'superseded')
)
WITH NO SCHEMA BINDING;

DROP VIEW IF EXISTS dw.v_daily_retail_sales_all;
CREATE VIEW dw.v_daily_retail_sales_all AS
SELECT
    fact_daily_retail_sales.sales_date,
    fact_daily_retail_sales.store_id,
    fact_daily_retail_sales.product_code,
    fact_daily_retail_sales.quantity,
    fact_daily_retail_sales.revenue_krw,
    TO_CHAR(fact_daily_retail_sales.sales_date, 'YYYY-MM') AS sales_month,
    FALSE AS is_archived
FROM dw.fact_daily_retail_sales
WHERE TO_CHAR(fact_daily_retail_sales.sales_date, 'YYYY-MM') NOT IN (
    SELECT archive_month.month_label FROM dw.archive_month
    WHERE
        archive_month.table_name = 'fact_daily_retail_sales'
        AND archive_month.state IN ('switched', 'deleted', 'superseded')
)
UNION ALL
SELECT
    fact_daily_retail_sales.sales_date,
    fact_daily_retail_sales.store_id,
    fact_daily_retail_sales.product_code,
    fact_daily_retail_sales.quantity,
    fact_daily_retail_sales.revenue_krw,
    fact_daily_retail_sales.sales_month,
    TRUE AS is_archived
FROM archive.fact_daily_retail_sales
WHERE fact_daily_retail_sales.sales_month IN (
    SELECT archive_month.month_label FROM dw.archive_month
    WHERE
        archive_month.table_name = 'fact_daily_retail_sales'
        AND archive_month.state IN ('switched', 'deleted', 'superseded')
)
WITH NO SCHEMA BINDING;
