-- Repeatable (re-applied whenever its rendered text changes, e.g. a new warehouse role ARN): only the ETL group may
-- use the cluster's IAM role in COPY and UNLOAD. By default every user may use every attached role
-- (https://docs.aws.amazon.com/redshift/latest/dg/r_GRANT.html, ASSUMEROLE usage notes); a BI or analytics user
-- could otherwise UNLOAD ... ALLOWOVERWRITE over the archive. Superusers keep ASSUMEROLE.
-- The Redshift grammar of sqlfluff 1.4.5 has no ASSUMEROLE privilege: each statement skips parse errors (PRS).
REVOKE ASSUMEROLE ON ALL FROM PUBLIC FOR ALL;  -- noqa: PRS
GRANT ASSUMEROLE ON '${warehouse_role_arn}' TO GROUP ${etl_group} FOR COPY;  -- noqa: PRS
GRANT ASSUMEROLE ON '${warehouse_role_arn}' TO GROUP ${etl_group} FOR UNLOAD;  -- noqa: PRS
