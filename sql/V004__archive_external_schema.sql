-- Spectrum: the external schema `archive` over the lake's Glue database, and one partitioned parquet table per fact
-- for the rows older than the hot/cold boundary (dw.sp_archive_facts writes them; partitions are month folders
-- reading_month=YYYY-MM under s3://<archive bucket>/facts/<table>/). External DDL runs outside a transaction block;
-- the migration runner sends every statement on its own (auto-commit). The DROPs make a half-applied run rerunnable
-- (nothing is archived before this migration has finished; dropping an external table never deletes S3 data).
CREATE EXTERNAL SCHEMA IF NOT EXISTS archive
FROM DATA CATALOG DATABASE '${glue_database}'
IAM_ROLE '${warehouse_role_arn}';

DROP TABLE IF EXISTS archive.fact_sensor_reading;
CREATE EXTERNAL TABLE archive.fact_sensor_reading (
    device_id VARCHAR(128),
    reading_ts TIMESTAMP,
    reading_date DATE,
    temperature FLOAT8,
    motor_speed_rpm FLOAT8,
    rvibration_temp FLOAT8,
    rvibration_z_rms_velocity FLOAT8,
    pressure FLOAT8,
    loaded_at TIMESTAMP
)
PARTITIONED BY (reading_month VARCHAR(7))
STORED AS PARQUET
LOCATION 's3://${archive_bucket}/${archive_prefix}fact_sensor_reading/';

DROP TABLE IF EXISTS archive.fact_production;
CREATE EXTERNAL TABLE archive.fact_production (
    production_date DATE,
    line_id VARCHAR(64),
    device_id VARCHAR(128),
    product_code VARCHAR(64),
    units_produced INTEGER,
    units_defective INTEGER,
    loaded_at TIMESTAMP
)
PARTITIONED BY (production_month VARCHAR(7))
STORED AS PARQUET
LOCATION 's3://${archive_bucket}/${archive_prefix}fact_production/';

DROP TABLE IF EXISTS archive.fact_daily_retail_sales;
CREATE EXTERNAL TABLE archive.fact_daily_retail_sales (
    sales_date DATE,
    store_id VARCHAR(64),
    product_code VARCHAR(64),
    quantity INTEGER,
    revenue_krw DECIMAL(18, 2),
    loaded_at TIMESTAMP
)
PARTITIONED BY (sales_month VARCHAR(7))
STORED AS PARQUET
LOCATION 's3://${archive_bucket}/${archive_prefix}fact_daily_retail_sales/';
