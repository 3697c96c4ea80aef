-- Schemas of the warehouse and the user groups that route sessions to the WLM queues (lib/warehouse/wlm.ts).
-- The group names come from config.warehouse.userGroups; Redshift folds unquoted identifiers to lower case.
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS dw;
CREATE SCHEMA IF NOT EXISTS summary;

CREATE GROUP ${etl_group};
CREATE GROUP ${bi_group};
CREATE GROUP ${analytics_group};
