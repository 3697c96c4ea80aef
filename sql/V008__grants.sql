-- Privileges per user group, matching the WLM queues: ETL loads and maintains everything, BI reports read the
-- summaries, analysts read the facts, the late-binding views over the archive and the summaries. The etl_user itself
-- is created (or its password updated) by the migration runner from the ETL secret.
-- EDITED IN PLACE (issue 12): this file follows V007, whose first published form could never be applied, so no
-- database has run it; the only edit is dropping the EXECUTE grant on the removed dw.sp_archive_facts(). Privileges
-- of later objects, the ASSUMEROLE restriction and the BI/analytics read paths are in V010 and R__assumerole.sql.
GRANT USAGE ON SCHEMA staging, dw, summary, archive TO GROUP ${etl_group};
GRANT ALL ON ALL TABLES IN SCHEMA staging TO GROUP ${etl_group};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA dw TO GROUP ${etl_group};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA summary TO GROUP ${etl_group};
GRANT EXECUTE ON PROCEDURE summary.sp_refresh(DATE) TO GROUP ${etl_group};

GRANT USAGE ON SCHEMA summary TO GROUP ${bi_group};
GRANT SELECT ON ALL TABLES IN SCHEMA summary TO GROUP ${bi_group};

GRANT USAGE ON SCHEMA dw, summary, archive TO GROUP ${analytics_group};
GRANT SELECT ON ALL TABLES IN SCHEMA dw TO GROUP ${analytics_group};
GRANT SELECT ON ALL TABLES IN SCHEMA summary TO GROUP ${analytics_group};

-- Spectrum queries (the archive through dw.v_*_all) need the TEMP privilege on the database.
GRANT TEMP ON DATABASE ${database} TO GROUP ${etl_group};
GRANT TEMP ON DATABASE ${database} TO GROUP ${analytics_group};

-- Tables added by later migrations inherit the same read access.
ALTER DEFAULT PRIVILEGES IN SCHEMA summary GRANT SELECT ON TABLES TO GROUP ${bi_group};
ALTER DEFAULT PRIVILEGES IN SCHEMA summary GRANT SELECT ON TABLES TO GROUP ${analytics_group};
ALTER DEFAULT PRIVILEGES IN SCHEMA dw GRANT SELECT ON TABLES TO GROUP ${analytics_group};
