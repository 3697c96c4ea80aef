-- BI reporting (issue 16, QuickSight; docs/bi.md): the summary objects the dashboard reads that V006 does not have,
-- and read-only access of the BI group to the summary schema and the late-binding views. V009-V019 are reserved for
-- the warehouse's own migrations. Every statement is rerunnable.

-- Production plan per day, line and product: loaded by the ERP batch (same path as staging.production; not wired yet,
-- the dashboard shows "no plan" until rows arrive).
CREATE TABLE IF NOT EXISTS summary.daily_production_plan (
    plan_date DATE NOT NULL ENCODE RAW,
    line_id VARCHAR(64) ENCODE ZSTD,
    product_code VARCHAR(64) ENCODE ZSTD,
    units_planned BIGINT ENCODE AZ64,
    loaded_at TIMESTAMP DEFAULT GETDATE() ENCODE AZ64
)
DISTSTYLE AUTO
COMPOUND SORTKEY (plan_date, line_id);

-- Predictive-maintenance scores per device and day (model version, mean/max score, readings predicted to fail):
-- the contract for the scoring path of the ML domain; no producer writes it yet (docs/bi.md, open points).
CREATE TABLE IF NOT EXISTS summary.daily_model_scores (
    score_date DATE NOT NULL ENCODE RAW,
    device_id VARCHAR(128) NOT NULL ENCODE ZSTD,
    model_version VARCHAR(64) ENCODE ZSTD,
    score_count BIGINT ENCODE AZ64,
    score_avg FLOAT8 ENCODE RAW,
    score_max FLOAT8 ENCODE RAW,
    predicted_failures BIGINT ENCODE AZ64,
    loaded_at TIMESTAMP DEFAULT GETDATE() ENCODE AZ64
)
DISTKEY (device_id)
COMPOUND SORTKEY (score_date, device_id);

-- Production against plan per day, line and product (either side may be missing).
CREATE OR REPLACE VIEW summary.v_production_vs_plan AS
SELECT
    summary.daily_production.units_produced,
    summary.daily_production.units_defective,
    summary.daily_production_plan.units_planned,
    COALESCE(summary.daily_production.production_date, summary.daily_production_plan.plan_date) AS production_date,
    COALESCE(summary.daily_production.line_id, summary.daily_production_plan.line_id) AS line_id,
    COALESCE(summary.daily_production.product_code, summary.daily_production_plan.product_code) AS product_code,
    CASE
        WHEN summary.daily_production_plan.units_planned > 0
            THEN
            CAST(summary.daily_production.units_produced AS FLOAT8)
            / summary.daily_production_plan.units_planned
    END AS plan_attainment
FROM summary.daily_production
FULL OUTER JOIN summary.daily_production_plan
    ON
        summary.daily_production.production_date = summary.daily_production_plan.plan_date
        AND summary.daily_production.line_id = summary.daily_production_plan.line_id
        AND summary.daily_production.product_code = summary.daily_production_plan.product_code
WITH NO SCHEMA BINDING;

-- Anomalies per device and day, the warehouse's rule: readings more than 3 standard deviations from the device's
-- mean of that day in temperature, motor speed or vibration (hot facts; the streaming RCF grade is not persisted).
CREATE OR REPLACE VIEW summary.v_daily_device_anomalies AS
WITH scored AS (
    SELECT
        device_id,
        reading_date,
        ABS(temperature - AVG(temperature) OVER (PARTITION BY device_id, reading_date))
        > 3 * STDDEV_SAMP(temperature) OVER (PARTITION BY device_id, reading_date) AS temperature_out,
        ABS(motor_speed_rpm - AVG(motor_speed_rpm) OVER (PARTITION BY device_id, reading_date))
        > 3 * STDDEV_SAMP(motor_speed_rpm) OVER (PARTITION BY device_id, reading_date) AS motor_speed_out,
        ABS(
            rvibration_z_rms_velocity
            - AVG(rvibration_z_rms_velocity) OVER (PARTITION BY device_id, reading_date)
        )
        > 3 * STDDEV_SAMP(rvibration_z_rms_velocity) OVER (PARTITION BY device_id, reading_date) AS vibration_out
    FROM dw.fact_sensor_reading
)

SELECT
    reading_date,
    device_id,
    COUNT(*) AS reading_count,
    SUM(CASE WHEN temperature_out THEN 1 ELSE 0 END) AS temperature_anomalies,
    SUM(CASE WHEN motor_speed_out THEN 1 ELSE 0 END) AS motor_speed_anomalies,
    SUM(CASE WHEN vibration_out THEN 1 ELSE 0 END) AS vibration_anomalies,
    SUM(CASE WHEN temperature_out OR motor_speed_out OR vibration_out THEN 1 ELSE 0 END) AS anomaly_count
FROM scored
GROUP BY reading_date, device_id
WITH NO SCHEMA BINDING;

-- Rows per fact table and month, in Redshift (hot) or in the S3 archive (Spectrum), through the late-binding views.
CREATE OR REPLACE VIEW summary.v_fact_storage_share AS
SELECT
    CAST('fact_sensor_reading' AS VARCHAR(32)) AS fact_table,
    CAST(DATE_TRUNC('month', reading_date) AS DATE) AS fact_month,
    is_archived,
    CAST(CASE WHEN is_archived THEN 's3_archive' ELSE 'redshift' END AS VARCHAR(16)) AS storage_tier,
    COUNT(*) AS fact_rows
FROM dw.v_sensor_reading_all
GROUP BY DATE_TRUNC('month', reading_date), is_archived
UNION ALL
SELECT
    CAST('fact_production' AS VARCHAR(32)) AS fact_table,
    CAST(DATE_TRUNC('month', production_date) AS DATE) AS fact_month,
    is_archived,
    CAST(CASE WHEN is_archived THEN 's3_archive' ELSE 'redshift' END AS VARCHAR(16)) AS storage_tier,
    COUNT(*) AS fact_rows
FROM dw.v_production_all
GROUP BY DATE_TRUNC('month', production_date), is_archived
UNION ALL
SELECT
    CAST('fact_daily_retail_sales' AS VARCHAR(32)) AS fact_table,
    CAST(DATE_TRUNC('month', sales_date) AS DATE) AS fact_month,
    is_archived,
    CAST(CASE WHEN is_archived THEN 's3_archive' ELSE 'redshift' END AS VARCHAR(16)) AS storage_tier,
    COUNT(*) AS fact_rows
FROM dw.v_daily_retail_sales_all
GROUP BY DATE_TRUNC('month', sales_date), is_archived
WITH NO SCHEMA BINDING;

-- The BI group reads the summary schema (tables and views, including the ones above) and the late-binding views
-- over hot + archived facts; nothing else. A late-binding view needs SELECT on the view only (its owner's access to
-- the referenced objects is checked): https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_VIEW.html
GRANT USAGE ON SCHEMA summary TO GROUP ${bi_group};
GRANT SELECT ON ALL TABLES IN SCHEMA summary TO GROUP ${bi_group};
GRANT USAGE ON SCHEMA dw TO GROUP ${bi_group};
GRANT SELECT ON dw.v_sensor_reading_all, dw.v_production_all, dw.v_daily_retail_sales_all TO GROUP ${bi_group};
-- Spectrum (the archive half of the views) needs the TEMP privilege on the database
-- (https://docs.aws.amazon.com/redshift/latest/dg/c-getting-started-using-spectrum-grant-permissions.html).
GRANT TEMP ON DATABASE ${database} TO GROUP ${bi_group};
