-- Staging tables the ETL state machine COPYs into. staging.sensor_reading has the column order of the processed
-- parquet files (COPY ... FORMAT AS PARQUET maps columns by position; CONTRACTS.md).
CREATE TABLE IF NOT EXISTS staging.sensor_reading (
    device_id VARCHAR(128) ENCODE ZSTD,
    reading_ts TIMESTAMP ENCODE AZ64,
    temperature FLOAT8 ENCODE RAW,
    motor_speed_rpm FLOAT8 ENCODE RAW,
    rvibration_temp FLOAT8 ENCODE RAW,
    rvibration_z_rms_velocity FLOAT8 ENCODE RAW,
    pressure FLOAT8 ENCODE RAW
)
DISTSTYLE EVEN;

CREATE TABLE IF NOT EXISTS staging.production (
    production_date DATE ENCODE AZ64,
    line_id VARCHAR(64) ENCODE ZSTD,
    device_id VARCHAR(128) ENCODE ZSTD,
    product_code VARCHAR(64) ENCODE ZSTD,
    units_produced INTEGER ENCODE AZ64,
    units_defective INTEGER ENCODE AZ64
)
DISTSTYLE EVEN;

CREATE TABLE IF NOT EXISTS staging.retail_sales (
    sales_date DATE ENCODE AZ64,
    store_id VARCHAR(64) ENCODE ZSTD,
    product_code VARCHAR(64) ENCODE ZSTD,
    quantity INTEGER ENCODE AZ64,
    revenue_krw DECIMAL(18, 2) ENCODE AZ64
)
DISTSTYLE EVEN;
