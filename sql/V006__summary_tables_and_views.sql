-- What the BI layer reads: daily summary tables rebuilt per run date by summary.sp_refresh, and materialized views
-- over the internal facts (refreshed explicitly by sp_refresh; AUTO REFRESH is left off so refresh time is ETL time).
CREATE TABLE IF NOT EXISTS summary.daily_device_stats (
    reading_date DATE NOT NULL ENCODE RAW,
    device_id VARCHAR(128) NOT NULL ENCODE ZSTD,
    reading_count BIGINT ENCODE AZ64,
    temperature_avg FLOAT8 ENCODE RAW,
    temperature_max FLOAT8 ENCODE RAW,
    motor_speed_rpm_avg FLOAT8 ENCODE RAW,
    rvibration_z_rms_velocity_max FLOAT8 ENCODE RAW,
    pressure_avg FLOAT8 ENCODE RAW,
    refreshed_at TIMESTAMP DEFAULT GETDATE() ENCODE AZ64
)
DISTKEY (device_id)
COMPOUND SORTKEY (reading_date, device_id);

CREATE TABLE IF NOT EXISTS summary.daily_production (
    production_date DATE NOT NULL ENCODE RAW,
    line_id VARCHAR(64) ENCODE ZSTD,
    product_code VARCHAR(64) ENCODE ZSTD,
    units_produced BIGINT ENCODE AZ64,
    units_defective BIGINT ENCODE AZ64,
    defect_rate FLOAT8 ENCODE RAW,
    refreshed_at TIMESTAMP DEFAULT GETDATE() ENCODE AZ64
)
DISTSTYLE AUTO
COMPOUND SORTKEY (production_date, line_id);

CREATE TABLE IF NOT EXISTS summary.daily_retail_sales (
    sales_date DATE NOT NULL ENCODE RAW,
    product_code VARCHAR(64) NOT NULL ENCODE ZSTD,
    store_count INTEGER ENCODE AZ64,
    quantity BIGINT ENCODE AZ64,
    revenue_krw DECIMAL(20, 2) ENCODE AZ64,
    refreshed_at TIMESTAMP DEFAULT GETDATE() ENCODE AZ64
)
DISTSTYLE AUTO
COMPOUND SORTKEY (sales_date, product_code);

DROP MATERIALIZED VIEW IF EXISTS summary.mv_device_monthly;
CREATE MATERIALIZED VIEW summary.mv_device_monthly AS
SELECT
    device_id,
    DATE_TRUNC('month', reading_date) AS reading_month,
    COUNT(*) AS reading_count,
    AVG(temperature) AS temperature_avg,
    MAX(temperature) AS temperature_max,
    AVG(motor_speed_rpm) AS motor_speed_rpm_avg,
    MAX(rvibration_z_rms_velocity) AS rvibration_z_rms_velocity_max
FROM dw.fact_sensor_reading
GROUP BY device_id, DATE_TRUNC('month', reading_date);

DROP MATERIALIZED VIEW IF EXISTS summary.mv_retail_sales_monthly;
CREATE MATERIALIZED VIEW summary.mv_retail_sales_monthly AS
SELECT
    product_code,
    DATE_TRUNC('month', sales_date) AS sales_month,
    SUM(quantity) AS quantity,
    SUM(revenue_krw) AS revenue_krw
FROM dw.fact_daily_retail_sales
GROUP BY product_code, DATE_TRUNC('month', sales_date);
