-- Privileges of the V009 objects, the BI and analytics read paths, and the fact_production distribution (issue 12).
-- Every statement is rerunnable.

-- ETL: the archive steps run as etl_user (SECURITY INVOKER): the control tables and the three procedures.
GRANT SELECT ON dw.archive_table TO GROUP ${etl_group};
GRANT SELECT, INSERT, UPDATE ON dw.archive_month TO GROUP ${etl_group};
GRANT EXECUTE ON PROCEDURE dw.sp_archive_unload(VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR) TO GROUP ${etl_group};
GRANT EXECUTE ON PROCEDURE dw.sp_archive_switch(VARCHAR, VARCHAR, VARCHAR) TO GROUP ${etl_group};
GRANT EXECUTE ON PROCEDURE dw.sp_archive_delete(VARCHAR, VARCHAR, VARCHAR) TO GROUP ${etl_group};

-- BI and analysts read hot + archived facts through the late-binding views only. A late-binding view is checked
-- against the privileges of its owner on the objects it references; the reader needs SELECT on the view and USAGE on
-- its schema (https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_VIEW.html). Spectrum queries need TEMP
-- (https://docs.aws.amazon.com/redshift/latest/dg/c-spectrum-external-schemas.html).
GRANT USAGE ON SCHEMA dw TO GROUP ${bi_group};
GRANT SELECT ON dw.v_sensor_reading_all, dw.v_production_all, dw.v_daily_retail_sales_all TO GROUP ${bi_group};
GRANT SELECT ON dw.v_sensor_reading_all, dw.v_production_all, dw.v_daily_retail_sales_all TO GROUP ${analytics_group};
GRANT TEMP ON DATABASE ${database} TO GROUP ${bi_group};

-- The external schema `archive` maps the whole lake Glue database (raw_sensor and sensor_readings too), and
-- privileges on an external schema cannot be narrowed to tables
-- (https://docs.aws.amazon.com/redshift/latest/dg/r_GRANT.html): analysts lose direct USAGE on it
-- and keep the archived facts through the views.
REVOKE USAGE ON SCHEMA archive FROM GROUP ${analytics_group};

-- fact_production.device_id is nullable (rows per line); a KEY distribution on it would put every NULL on one slice.
ALTER TABLE dw.fact_production ALTER DISTSTYLE AUTO;
