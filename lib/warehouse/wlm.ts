/**
 * Typed Automatic WLM configuration and its `wlm_json_configuration` rendering, validated against the limits of the
 * Amazon Redshift Management / Developer Guides ("Implementing automatic WLM", "WLM query monitoring rules"): at most 8
 * queues, 25 rules in total (and per queue), 3 predicates per rule, rule names of up to 32 alphanumerics/underscores
 * unique in the whole configuration, the provisioned metric names and their value ranges, actions valid under Auto WLM
 * (`log`, `abort`, `change_query_priority` with a value; never `hop`), the default queue last and without groups, and
 * the 8,000-character limit of the parameter value.
 */

export type WlmPriority = 'highest' | 'high' | 'normal' | 'low' | 'lowest';
export const WLM_PRIORITIES: readonly WlmPriority[] = ['highest', 'high', 'normal', 'low', 'lowest'];

/** Numeric QMR metrics for provisioned clusters with their documented value ranges (inclusive). */
export const QMR_METRICS = {
  query_cpu_time: { min: 0, max: 999_999 },
  query_blocks_read: { min: 0, max: 1_048_575 },
  scan_row_count: { min: 0, max: 999_999_999_999_999 },
  query_execution_time: { min: 0, max: 86_399 },
  query_queue_time: { min: 0, max: 86_399 },
  query_cpu_usage_percent: { min: 0, max: 6_399 },
  query_temp_blocks_to_disk: { min: 0, max: 319_815_679 },
  cpu_skew: { min: 0, max: 99 },
  io_skew: { min: 0, max: 99 },
  join_row_count: { min: 0, max: 999_999_999_999_999 },
  nested_loop_join_row_count: { min: 0, max: 999_999_999_999_999 },
  return_row_count: { min: 0, max: 999_999_999_999_999 },
  segment_execution_time: { min: 0, max: 86_388 },
  spectrum_scan_row_count: { min: 0, max: 999_999_999_999_999 },
  spectrum_scan_size_mb: { min: 0, max: 999_999_999_999_999 },
} as const;
export type QmrNumericMetric = keyof typeof QMR_METRICS;

export type QmrPredicate =
  | { readonly metric: QmrNumericMetric; readonly operator: '>' | '<' | '='; readonly value: number }
  | { readonly metric: 'query_priority'; readonly operator: '>' | '<' | '='; readonly value: WlmPriority };

export type QmrAction =
  | { readonly type: 'log' }
  | { readonly type: 'abort' }
  | { readonly type: 'change_query_priority'; readonly value: WlmPriority }
  /** Manual WLM only: modelled so that a configuration carrying it is rejected with a clear message. */
  | { readonly type: 'hop' };

export interface QmrRule {
  readonly name: string;
  readonly predicates: readonly QmrPredicate[];
  readonly action: QmrAction;
}

export interface WlmQueue {
  readonly name: string;
  readonly userGroups?: readonly string[];
  readonly queryGroups?: readonly string[];
  readonly priority: WlmPriority;
  readonly concurrencyScaling?: 'auto' | 'off';
  readonly rules?: readonly QmrRule[];
}

export interface WlmConfig {
  /** User-group queues, in routing order. */
  readonly queues: readonly WlmQueue[];
  /** The default queue (last; no groups). */
  readonly defaultQueue: Omit<WlmQueue, 'userGroups' | 'queryGroups'> & {
    readonly userGroups?: readonly string[];
    readonly queryGroups?: readonly string[];
  };
  /** Short query acceleration. */
  readonly shortQueryAcceleration: boolean;
  /** SQA maximum run time in seconds (1-20), or 0/undefined for dynamic. */
  readonly shortQueryMaxSeconds?: number;
}

export const WLM_LIMITS = {
  maxQueues: 8,
  maxRulesTotal: 25,
  maxRulesPerQueue: 25,
  maxPredicatesPerRule: 3,
  maxRuleNameLength: 32,
  maxQueueNameLength: 64,
  maxJsonLength: 8000,
} as const;

export class WlmConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid WLM configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'WlmConfigError';
  }
}

const RULE_NAME = /^[A-Za-z0-9_]+$/;
const QUEUE_NAME = /^[A-Za-z0-9_ ]+$/;
const GROUP_NAME = /^[A-Za-z0-9_*?]+$/;

/** Every problem of `config`, one message each (empty when valid). Does not check the JSON length. */
export function wlmProblems(config: WlmConfig): string[] {
  const problems: string[] = [];
  const all = [...config.queues, config.defaultQueue];
  if (all.length > WLM_LIMITS.maxQueues) {
    problems.push(`${all.length} queues (including the default queue); Automatic WLM allows at most 8`);
  }
  const dq = config.defaultQueue;
  if ((dq.userGroups?.length ?? 0) > 0 || (dq.queryGroups?.length ?? 0) > 0) {
    problems.push(`default queue "${dq.name}": the default queue (always last) cannot have user or query groups`);
  }
  const queueNames = new Set<string>();
  const ruleNames = new Set<string>();
  let totalRules = 0;
  all.forEach((q, i) => {
    const where = `queue "${q.name}"`;
    if (q.name.length === 0 || q.name.length > WLM_LIMITS.maxQueueNameLength || !QUEUE_NAME.test(q.name)) {
      problems.push(`${where}: name must be 1-64 letters, digits, underscores or spaces`);
    }
    if (queueNames.has(q.name)) problems.push(`${where}: duplicate queue name`);
    queueNames.add(q.name);
    if (!WLM_PRIORITIES.includes(q.priority)) {
      problems.push(`${where}: priority "${String(q.priority)}" is not one of ${WLM_PRIORITIES.join(', ')}`);
    }
    const isDefault = i === all.length - 1;
    if (!isDefault && (q.userGroups?.length ?? 0) + (q.queryGroups?.length ?? 0) === 0) {
      problems.push(`${where}: a non-default queue needs at least one user group or query group to route to it`);
    }
    for (const g of [...(q.userGroups ?? []), ...(q.queryGroups ?? [])]) {
      if (!GROUP_NAME.test(g)) problems.push(`${where}: group "${g}" is not a valid identifier`);
    }
    const rules = q.rules ?? [];
    totalRules += rules.length;
    if (rules.length > WLM_LIMITS.maxRulesPerQueue) {
      problems.push(`${where}: ${rules.length} rules; at most ${WLM_LIMITS.maxRulesPerQueue} per queue`);
    }
    for (const r of rules) {
      const rw = `${where} rule "${r.name}"`;
      if (r.name.length === 0 || r.name.length > WLM_LIMITS.maxRuleNameLength) {
        problems.push(`${rw}: rule names are 1-32 characters (this one has ${r.name.length})`);
      }
      if (!RULE_NAME.test(r.name)) problems.push(`${rw}: rule names may contain only letters, digits and underscores`);
      if (ruleNames.has(r.name)) problems.push(`${rw}: rule names must be unique in the whole configuration`);
      ruleNames.add(r.name);
      if (r.predicates.length === 0 || r.predicates.length > WLM_LIMITS.maxPredicatesPerRule) {
        problems.push(`${rw}: ${r.predicates.length} predicates; a rule has 1 to 3`);
      }
      for (const p of r.predicates) {
        if (!['>', '<', '='].includes(p.operator)) {
          problems.push(`${rw}: operator "${String(p.operator)}" is not one of >, <, =`);
        }
        if (p.metric === 'query_priority') {
          if (!WLM_PRIORITIES.includes(p.value)) {
            problems.push(`${rw}: query_priority value "${String(p.value)}" is not a priority`);
          }
          continue;
        }
        const range = (QMR_METRICS as Record<string, { min: number; max: number } | undefined>)[p.metric];
        if (!range) {
          problems.push(`${rw}: unknown metric "${String(p.metric)}"`);
          continue;
        }
        if (typeof p.value !== 'number' || !Number.isFinite(p.value) || p.value < range.min || p.value > range.max) {
          problems.push(`${rw}: ${p.metric} value ${String(p.value)} outside ${range.min}-${range.max}`);
        }
      }
      const a = r.action;
      if (a.type === 'hop') {
        problems.push(`${rw}: action "hop" is valid only with manual WLM; use log, abort or change_query_priority`);
      } else if (a.type === 'change_query_priority') {
        if (!WLM_PRIORITIES.includes(a.value)) {
          problems.push(`${rw}: change_query_priority needs a value, one of ${WLM_PRIORITIES.join(', ')}`);
        }
      } else if (a.type !== 'log' && a.type !== 'abort') {
        problems.push(
          `${rw}: action "${String((a as { type: unknown }).type)}" is not log, abort or change_query_priority`
        );
      }
    }
  });
  if (totalRules > WLM_LIMITS.maxRulesTotal) {
    problems.push(`${totalRules} rules in total; at most ${WLM_LIMITS.maxRulesTotal}`);
  }
  const sqa = config.shortQueryMaxSeconds;
  if (sqa !== undefined && sqa !== 0 && (!Number.isInteger(sqa) || sqa < 1 || sqa > 20)) {
    problems.push(`shortQueryMaxSeconds ${sqa}: expected 0 (dynamic) or 1-20 seconds`);
  }
  return problems;
}

function renderQueue(q: WlmQueue, isDefault = false): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: q.name,
    queue_type: 'auto',
    // As in AWS's Automatic WLM examples, the default queue carries the switch for the whole configuration.
    ...(isDefault ? { auto_wlm: true } : {}),
    priority: q.priority,
    concurrency_scaling: q.concurrencyScaling ?? 'off',
  };
  if (q.userGroups?.length) {
    // Redshift folds group names to lower case (even quoted ones, unless enable_case_sensitive_identifier is on), so
    // the queue names the groups exactly as pg_group stores them.
    out['user_group'] = q.userGroups.map((g) => g.toLowerCase());
    out['user_group_wild_card'] = q.userGroups.some((g) => /[*?]/.test(g)) ? 1 : 0;
  }
  if (q.queryGroups?.length) {
    out['query_group'] = [...q.queryGroups];
    out['query_group_wild_card'] = q.queryGroups.some((g) => /[*?]/.test(g)) ? 1 : 0;
  }
  if (q.rules?.length) {
    out['rules'] = q.rules.map((r) => ({
      rule_name: r.name,
      predicate: r.predicates.map((p) => ({ metric_name: p.metric, operator: p.operator, value: p.value })),
      action: r.action.type,
      ...(r.action.type === 'change_query_priority' ? { value: r.action.value } : {}),
    }));
  }
  return out;
}

/** The validated `wlm_json_configuration` value (minified JSON array); throws WlmConfigError listing every problem. */
export function buildWlmJson(config: WlmConfig): string {
  const problems = wlmProblems(config);
  if (problems.length) throw new WlmConfigError(problems);
  const sqa: Record<string, unknown> = { short_query_queue: config.shortQueryAcceleration };
  if (config.shortQueryAcceleration && config.shortQueryMaxSeconds) {
    sqa['max_execution_time'] = config.shortQueryMaxSeconds * 1000;
  }
  const json = JSON.stringify([
    ...config.queues.map((q) => renderQueue(q)),
    renderQueue(config.defaultQueue, true),
    sqa,
  ]);
  if (json.length > WLM_LIMITS.maxJsonLength) {
    throw new WlmConfigError([
      `wlm_json_configuration is ${json.length} characters; Redshift accepts at most ${WLM_LIMITS.maxJsonLength}`,
    ]);
  }
  return json;
}

/**
 * The seed's workload management: one queue per user group (ETL high, BI report normal, analytics low), the default
 * queue, short query acceleration, and the seed's two monitoring rules on the report queue.
 */
export function platformWlm(groups: { etl: string; bi: string; analytics: string }): WlmConfig {
  return {
    queues: [
      { name: 'ETL', userGroups: [groups.etl], priority: 'high' },
      {
        name: 'BI_Report',
        userGroups: [groups.bi],
        priority: 'normal',
        concurrencyScaling: 'auto',
        rules: [
          {
            name: 'Long_running_query_Report',
            predicates: [
              { metric: 'segment_execution_time', operator: '>', value: 30 },
              { metric: 'query_cpu_usage_percent', operator: '>', value: 20 },
            ],
            action: { type: 'change_query_priority', value: 'low' },
          },
          {
            // The seed's "Query_returns_a_high_number_of_rows", cut to the 32-character limit on rule names.
            name: 'Query_returns_a_high_number_of_r',
            predicates: [{ metric: 'return_row_count', operator: '>', value: 100_000 }],
            action: { type: 'abort' },
          },
        ],
      },
      { name: 'Analytics', userGroups: [groups.analytics], priority: 'low' },
    ],
    defaultQueue: { name: 'Default queue', priority: 'normal' },
    shortQueryAcceleration: true,
  };
}
