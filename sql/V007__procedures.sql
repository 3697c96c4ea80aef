-- Stored procedures the ETL state machine CALLs through the Data API as etl_user (CONTRACTS.md). Both are
-- NONATOMIC: every statement commits on its own, which REFRESH MATERIALIZED VIEW, UNLOAD and ALTER TABLE ... ADD
-- PARTITION on an external table need (external-table DDL cannot run inside a transaction block). Both are rerunnable
-- and never catch an exception: a failure aborts the CALL and surfaces as a FAILED Data API statement.
-- The Redshift grammar of sqlfluff 1.4.5 lacks the NONATOMIC option of CREATE PROCEDURE, so each CREATE line
-- below carries `noqa: PRS` (parse errors only; the $$-quoted bodies are strings sqlfluff never parses anyway).

-- Rebuilds one date of the daily summaries and refreshes the materialized views. Rerunning a date replaces its rows.
CREATE OR REPLACE PROCEDURE summary.sp_refresh(run_date DATE)  -- noqa: PRS
NONATOMIC
AS $$
BEGIN
    IF run_date IS NULL THEN
        RAISE EXCEPTION 'summary.sp_refresh: run_date is required';
    END IF;

    DELETE FROM summary.daily_device_stats WHERE reading_date = run_date;
    INSERT INTO summary.daily_device_stats (
        reading_date, device_id, reading_count, temperature_avg, temperature_max, motor_speed_rpm_avg,
        rvibration_z_rms_velocity_max, pressure_avg
    )
    SELECT reading_date, device_id, COUNT(*), AVG(temperature), MAX(temperature), AVG(motor_speed_rpm),
        MAX(rvibration_z_rms_velocity), AVG(pressure)
    FROM dw.fact_sensor_reading
    WHERE reading_date = run_date
    GROUP BY reading_date, device_id;

    DELETE FROM summary.daily_production WHERE production_date = run_date;
    INSERT INTO summary.daily_production (
        production_date, line_id, product_code, units_produced, units_defective, defect_rate
    )
    SELECT production_date, line_id, product_code, SUM(units_produced), SUM(units_defective),
        CASE WHEN SUM(units_produced) > 0
            THEN SUM(units_defective)::FLOAT8 / SUM(units_produced) END
    FROM dw.fact_production
    WHERE production_date = run_date
    GROUP BY production_date, line_id, product_code;

    DELETE FROM summary.daily_retail_sales WHERE sales_date = run_date;
    INSERT INTO summary.daily_retail_sales (sales_date, product_code, store_count, quantity, revenue_krw)
    SELECT sales_date, product_code, COUNT(DISTINCT store_id), SUM(quantity), SUM(revenue_krw)
    FROM dw.fact_daily_retail_sales
    WHERE sales_date = run_date
    GROUP BY sales_date, product_code;

    REFRESH MATERIALIZED VIEW summary.mv_device_monthly;
    REFRESH MATERIALIZED VIEW summary.mv_retail_sales_monthly;
    RAISE INFO 'summary.sp_refresh(%) done', run_date;
END;
$$ LANGUAGE plpgsql
SECURITY DEFINER;

-- Archives one table, oldest month first: for every month before p_boundary, UNLOAD the month's rows (loaded up to a
-- fixed instant) as parquet to s3://<archive>/facts/<table>/<part>=YYYY-MM/, check the unloaded row count, register
-- the partition, then delete exactly those rows. Idempotent: the file-name prefix is derived from the rows (count and
-- newest loaded_at), so a rerun after a failure between UNLOAD and DELETE overwrites the same files; rows arriving
-- later for an archived month get files of their own next to the earlier ones.
CREATE OR REPLACE PROCEDURE dw.sp_archive_table(  -- noqa: PRS
    p_table VARCHAR, p_date_col VARCHAR, p_part_col VARCHAR, p_columns VARCHAR, p_boundary DATE
)
NONATOMIC
AS $$
DECLARE
    v_month DATE;
    v_previous DATE;
    v_label VARCHAR(7);
    v_max_loaded TIMESTAMP;
    v_where VARCHAR(1024);
    v_rows BIGINT;
    v_unloaded BIGINT;
    v_location VARCHAR(1024);
BEGIN
    LOOP
        EXECUTE 'SELECT DATE_TRUNC(''month'', MIN(' || p_date_col || '))::DATE FROM dw.' || p_table
            || ' WHERE ' || p_date_col || ' < ''' || TO_CHAR(p_boundary, 'YYYY-MM-DD') || '''' INTO v_month;
        EXIT WHEN v_month IS NULL;
        IF v_previous IS NOT NULL AND v_month <= v_previous THEN
            RAISE EXCEPTION 'dw.sp_archive_table(%): month % still has rows after it was archived', p_table, v_month;
        END IF;
        v_previous := v_month;
        v_label := TO_CHAR(v_month, 'YYYY-MM');
        v_where := p_date_col || ' >= ''' || TO_CHAR(v_month, 'YYYY-MM-DD') || ''' AND ' || p_date_col || ' < '''
            || TO_CHAR(ADD_MONTHS(v_month, 1), 'YYYY-MM-DD') || '''';
        EXECUTE 'SELECT MAX(COALESCE(loaded_at, ''1900-01-01''::TIMESTAMP)) FROM dw.' || p_table || ' WHERE '
            || v_where INTO v_max_loaded;
        v_where := v_where || ' AND COALESCE(loaded_at, ''1900-01-01''::TIMESTAMP) <= '''
            || TO_CHAR(v_max_loaded, 'YYYY-MM-DD HH24:MI:SS.US') || '''::TIMESTAMP';
        EXECUTE 'SELECT COUNT(*) FROM dw.' || p_table || ' WHERE ' || v_where INTO v_rows;
        v_location := 's3://${archive_bucket}/${archive_prefix}' || p_table || '/' || p_part_col || '=' || v_label
            || '/';
        EXECUTE 'UNLOAD (''SELECT ' || p_columns || ' FROM dw.' || p_table || ' WHERE '
            || REPLACE(v_where, '''', '''''') || ' ORDER BY ' || p_columns || ''') TO ''' || v_location || 'rows'
            || v_rows || '_' || TO_CHAR(v_max_loaded, 'YYYYMMDDHH24MISSUS') || '_'' IAM_ROLE '''
            || '${warehouse_role_arn}'' FORMAT AS PARQUET PARALLEL OFF ALLOWOVERWRITE MAXFILESIZE 256 MB';
        SELECT INTO v_unloaded PG_LAST_UNLOAD_COUNT();
        IF v_unloaded IS NULL OR v_unloaded <> v_rows THEN
            RAISE EXCEPTION 'dw.sp_archive_table(%): UNLOAD of % wrote % rows but % match; nothing deleted',
                p_table, v_label, v_unloaded, v_rows;
        END IF;
        EXECUTE 'ALTER TABLE archive.' || p_table || ' ADD IF NOT EXISTS PARTITION (' || p_part_col || '='''
            || v_label || ''') LOCATION ''' || v_location || '''';
        EXECUTE 'DELETE FROM dw.' || p_table || ' WHERE ' || v_where;
        RAISE INFO 'archived % rows of dw.% for % to %', v_rows, p_table, v_label, v_location;
    END LOOP;
END;
$$ LANGUAGE plpgsql
SECURITY DEFINER;

-- Facts older than the hot/cold boundary (${hot_cold_boundary_months} whole months before the current month) move to
-- the archive bucket and stay queryable through dw.v_*_all.
CREATE OR REPLACE PROCEDURE dw.sp_archive_facts()  -- noqa: PRS
NONATOMIC
AS $$
DECLARE
    v_boundary DATE := ADD_MONTHS(DATE_TRUNC('month', CURRENT_DATE), -${hot_cold_boundary_months})::DATE;
BEGIN
    RAISE INFO 'dw.sp_archive_facts: archiving rows before %', v_boundary;
    CALL dw.sp_archive_table(
        'fact_sensor_reading', 'reading_date', 'reading_month',
        'device_id, reading_ts, reading_date, temperature, motor_speed_rpm, rvibration_temp, '
        || 'rvibration_z_rms_velocity, pressure, loaded_at',
        v_boundary
    );
    CALL dw.sp_archive_table(
        'fact_production', 'production_date', 'production_month',
        'production_date, line_id, device_id, product_code, units_produced, units_defective, loaded_at',
        v_boundary
    );
    CALL dw.sp_archive_table(
        'fact_daily_retail_sales', 'sales_date', 'sales_month',
        'sales_date, store_id, product_code, quantity, revenue_krw, loaded_at',
        v_boundary
    );
END;
$$ LANGUAGE plpgsql
SECURITY DEFINER;
