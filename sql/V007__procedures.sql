-- Stored procedures the ETL state machine CALLs through the Data API as etl_user (docs/warehouse.md).
--
-- EDITED IN PLACE (issue 12), deliberately: the first published V007 declared every procedure NONATOMIC *and*
-- SECURITY DEFINER, which CREATE PROCEDURE rejects ("The SECURITY DEFINER option is not supported when NONATOMIC is
-- specified", https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_PROCEDURE.html). Its first statement therefore
-- failed on every cluster, the runner never recorded V007, and V008 never ran: no database can hold the old V007 in
-- its history. The runner still recognises the old checksum (lambdas/sql-migrations/migrations.ts, SUPERSEDED) and
-- re-applies this file should it ever find it. The archive procedures moved to V009 (one atomic step each, driven by
-- the archive state machine; no procedure changes an external table).

-- Rebuilds one date of the daily summaries and refreshes the materialized views, all-or-nothing: the default
-- (atomic) transaction mode, so a failure rolls the whole date back. SECURITY DEFINER because only the owner of a
-- materialized view may REFRESH it
-- (https://docs.aws.amazon.com/redshift/latest/dg/materialized-view-refresh-sql-command.html)
-- and the MVs belong to the migration admin. Rerunning a date replaces its rows.
-- The daily sensor summary is computed by Redshift Spectrum from the processed parquet of the date
-- (archive.sensor_readings, partition dt): the scan, filter and GROUP BY run in the Spectrum fleet and only one row
-- per device reaches the cluster (docs/warehouse.md, "Spectrum pushdown").
CREATE OR REPLACE PROCEDURE summary.sp_refresh(run_date DATE)
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
    SELECT run_date, device_id, COUNT(*), AVG(temperature), MAX(temperature), AVG(motor_speed_rpm),
        MAX(rvibration_z_rms_velocity), AVG(pressure)
    FROM archive.sensor_readings
    WHERE dt = TO_CHAR(run_date, 'YYYY-MM-DD')
    GROUP BY device_id;

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
