-- Schemas of the warehouse and the user groups that route sessions to the WLM queues (lib/warehouse/wlm.ts).
-- The group names come from config.warehouse.userGroups; Redshift folds identifiers to lower case. Every statement
-- is rerunnable: a migration that failed halfway is applied again from its first statement.
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS dw;
CREATE SCHEMA IF NOT EXISTS summary;

-- CREATE GROUP has no IF NOT EXISTS: create a group only when pg_group does not list it yet.
CREATE OR REPLACE PROCEDURE public.sp_ensure_group(p_group VARCHAR)
AS $$
DECLARE
    v_count INTEGER;
BEGIN
    SELECT INTO v_count COUNT(*) FROM pg_group WHERE groname = LOWER(p_group);
    IF v_count = 0 THEN
        EXECUTE 'CREATE GROUP ' || QUOTE_IDENT(LOWER(p_group));
    END IF;
END;
$$ LANGUAGE plpgsql;

CALL public.sp_ensure_group('${etl_group}');
CALL public.sp_ensure_group('${bi_group}');
CALL public.sp_ensure_group('${analytics_group}');
