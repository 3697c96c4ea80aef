-- Dimensions and facts. Facts are distributed on their most common join key and sorted on their date, the column
-- every query and the monthly archive filter on; the leading sort key stays RAW so zone maps stay sharp.
CREATE TABLE IF NOT EXISTS dw.dim_device (
    device_id VARCHAR(128) NOT NULL ENCODE RAW,
    line_id VARCHAR(64) ENCODE ZSTD,
    first_seen_ts TIMESTAMP ENCODE AZ64,
    last_seen_ts TIMESTAMP ENCODE AZ64,
    PRIMARY KEY (device_id)
)
DISTSTYLE ALL
SORTKEY (device_id);

CREATE TABLE IF NOT EXISTS dw.dim_product (
    product_code VARCHAR(64) NOT NULL ENCODE RAW,
    first_seen_date DATE ENCODE AZ64,
    PRIMARY KEY (product_code)
)
DISTSTYLE ALL
SORTKEY (product_code);

CREATE TABLE IF NOT EXISTS dw.fact_sensor_reading (
    device_id VARCHAR(128) NOT NULL ENCODE ZSTD,
    reading_ts TIMESTAMP NOT NULL ENCODE AZ64,
    reading_date DATE NOT NULL ENCODE RAW,
    temperature FLOAT8 ENCODE RAW,
    motor_speed_rpm FLOAT8 ENCODE RAW,
    rvibration_temp FLOAT8 ENCODE RAW,
    rvibration_z_rms_velocity FLOAT8 ENCODE RAW,
    pressure FLOAT8 ENCODE RAW,
    loaded_at TIMESTAMP DEFAULT GETDATE() ENCODE AZ64
)
DISTKEY (device_id)
COMPOUND SORTKEY (reading_date, device_id);

CREATE TABLE IF NOT EXISTS dw.fact_production (
    production_date DATE NOT NULL ENCODE RAW,
    line_id VARCHAR(64) ENCODE ZSTD,
    device_id VARCHAR(128) ENCODE ZSTD,
    product_code VARCHAR(64) ENCODE ZSTD,
    units_produced INTEGER ENCODE AZ64,
    units_defective INTEGER ENCODE AZ64,
    loaded_at TIMESTAMP DEFAULT GETDATE() ENCODE AZ64
)
DISTKEY (device_id)
COMPOUND SORTKEY (production_date, line_id);

-- The seed's daily retail-sales fact.
CREATE TABLE IF NOT EXISTS dw.fact_daily_retail_sales (
    sales_date DATE NOT NULL ENCODE RAW,
    store_id VARCHAR(64) NOT NULL ENCODE ZSTD,
    product_code VARCHAR(64) NOT NULL ENCODE ZSTD,
    quantity INTEGER ENCODE AZ64,
    revenue_krw DECIMAL(18, 2) ENCODE AZ64,
    loaded_at TIMESTAMP DEFAULT GETDATE() ENCODE AZ64
)
DISTKEY (product_code)
COMPOUND SORTKEY (sales_date, store_id);
