-- Recent internal rows UNION ALL archived rows read through Spectrum. External tables can only be referenced from
-- late-binding views (WITH NO SCHEMA BINDING; every object schema-qualified).
CREATE OR REPLACE VIEW dw.v_sensor_reading_all AS
SELECT
    device_id,
    reading_ts,
    reading_date,
    temperature,
    motor_speed_rpm,
    rvibration_temp,
    rvibration_z_rms_velocity,
    pressure,
    FALSE AS is_archived
FROM dw.fact_sensor_reading
UNION ALL
SELECT
    device_id,
    reading_ts,
    reading_date,
    temperature,
    motor_speed_rpm,
    rvibration_temp,
    rvibration_z_rms_velocity,
    pressure,
    TRUE AS is_archived
FROM archive.fact_sensor_reading
WITH NO SCHEMA BINDING;

CREATE OR REPLACE VIEW dw.v_production_all AS
SELECT
    production_date,
    line_id,
    device_id,
    product_code,
    units_produced,
    units_defective,
    FALSE AS is_archived
FROM dw.fact_production
UNION ALL
SELECT
    production_date,
    line_id,
    device_id,
    product_code,
    units_produced,
    units_defective,
    TRUE AS is_archived
FROM archive.fact_production
WITH NO SCHEMA BINDING;

CREATE OR REPLACE VIEW dw.v_daily_retail_sales_all AS
SELECT
    sales_date,
    store_id,
    product_code,
    quantity,
    revenue_krw,
    FALSE AS is_archived
FROM dw.fact_daily_retail_sales
UNION ALL
SELECT
    sales_date,
    store_id,
    product_code,
    quantity,
    revenue_krw,
    TRUE AS is_archived
FROM archive.fact_daily_retail_sales
WITH NO SCHEMA BINDING;
