import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../lib/config';
import {
  buildWlmJson,
  platformWlm,
  type QmrRule,
  type WlmConfig,
  WlmConfigError,
  type WlmQueue,
  wlmProblems,
} from '../lib/warehouse/wlm';

const seed = (): WlmConfig => platformWlm(DEFAULT_CONFIG.warehouse.userGroups);
const rule = (name: string, extra: Partial<QmrRule> = {}): QmrRule => ({
  name,
  predicates: [{ metric: 'return_row_count', operator: '>', value: 10 }],
  action: { type: 'log' },
  ...extra,
});
const withQueue = (q: Partial<WlmQueue>, base = seed()): WlmConfig => ({
  ...base,
  queues: [{ ...base.queues[0]!, ...q }, ...base.queues.slice(1)],
});
const problemsOf = (c: WlmConfig) => wlmProblems(c).join('\n');

describe('the seed WLM configuration', () => {
  it('renders the documented Automatic WLM shape with the seed queues, priorities and rules', () => {
    const json = buildWlmJson(seed());
    expect(json.length).toBeLessThanOrEqual(8000);
    const wlm = JSON.parse(json) as Record<string, unknown>[];
    expect(wlm).toHaveLength(5);
    expect(wlm.slice(0, 3).map((q) => [q['user_group'], q['priority'], q['queue_type']])).toEqual([
      [['etl_user'], 'high', 'auto'],
      [['bi_report_user'], 'normal', 'auto'],
      [['analytics_user'], 'low', 'auto'],
    ]);
    expect(wlm[3]).not.toHaveProperty('user_group');
    expect(wlm[3]).toMatchObject({ name: 'Default queue', auto_wlm: true, queue_type: 'auto', priority: 'normal' });
    expect(wlm[4]).toEqual({ short_query_queue: true });
    expect(wlm[1]!['rules']).toEqual([
      {
        rule_name: 'Long_running_query_Report',
        predicate: [
          { metric_name: 'segment_execution_time', operator: '>', value: 30 },
          { metric_name: 'query_cpu_usage_percent', operator: '>', value: 20 },
        ],
        action: 'change_query_priority',
        value: 'low',
      },
      {
        rule_name: 'Query_returns_a_high_number_of_r',
        predicate: [{ metric_name: 'return_row_count', operator: '>', value: 100000 }],
        action: 'abort',
      },
    ]);
    // Manual-only keys never appear under Automatic WLM.
    expect(json).not.toMatch(/query_concurrency|memory_percent_to_use|"hop"/);
  });

  it('the truncated rule name is exactly the first 32 characters of the seed name', () => {
    expect('Query_returns_a_high_number_of_rows'.slice(0, 32)).toBe('Query_returns_a_high_number_of_r');
  });
});

describe('validation (one test per rule)', () => {
  it('at most 8 queues including the default', () => {
    const q = seed().queues[0]!;
    const queues = Array.from({ length: 8 }, (_, i) => ({ ...q, name: `Q${i}`, userGroups: [`g${i}`] }));
    expect(problemsOf({ ...seed(), queues })).toMatch(/9 queues .*at most 8/);
    expect(wlmProblems({ ...seed(), queues: queues.slice(0, 7) })).toEqual([]);
  });

  it('the default queue has no groups', () => {
    const c = { ...seed(), defaultQueue: { ...seed().defaultQueue, userGroups: ['x'] } };
    expect(problemsOf(c)).toMatch(/default queue.*cannot have user or query groups/);
  });

  it('non-default queues need a group to route to', () => {
    expect(problemsOf(withQueue({ userGroups: [] }))).toMatch(/needs at least one user group/);
  });

  it('queue names: charset, length, uniqueness', () => {
    expect(problemsOf(withQueue({ name: "bad'name" }))).toMatch(/name must be 1-64/);
    expect(problemsOf(withQueue({ name: 'x'.repeat(65) }))).toMatch(/name must be 1-64/);
    expect(problemsOf(withQueue({ name: 'BI_Report' }))).toMatch(/duplicate queue name/);
  });

  it('priorities are one of the five', () => {
    expect(problemsOf(withQueue({ priority: 'urgent' as never }))).toMatch(/priority "urgent" is not one of/);
  });

  it('group identifiers', () => {
    expect(problemsOf(withQueue({ userGroups: ['bad-group;'] }))).toMatch(/group "bad-group;" is not a valid/);
  });

  it('rule names: at most 32 characters, [A-Za-z0-9_], unique across the configuration', () => {
    expect(problemsOf(withQueue({ rules: [rule('Query_returns_a_high_number_of_rows')] }))).toMatch(
      /1-32 characters \(this one has 35\)/
    );
    expect(problemsOf(withQueue({ rules: [rule('bad name')] }))).toMatch(/only letters, digits and underscores/);
    expect(problemsOf(withQueue({ rules: [rule('Long_running_query_Report')] }))).toMatch(/must be unique/);
    expect(wlmProblems(withQueue({ rules: [rule('x'.repeat(32))] }))).toEqual([]);
  });

  it('1 to 3 predicates per rule', () => {
    const p = { metric: 'return_row_count', operator: '>', value: 1 } as const;
    expect(problemsOf(withQueue({ rules: [rule('r', { predicates: [p, p, p, p] })] }))).toMatch(/4 predicates/);
    expect(problemsOf(withQueue({ rules: [rule('r', { predicates: [] })] }))).toMatch(/0 predicates/);
  });

  it('at most 25 rules per queue and in total', () => {
    const many = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => rule(`${prefix}${i}`));
    expect(problemsOf(withQueue({ rules: many('a', 26) }))).toMatch(/26 rules; at most 25 per queue/);
    // 24 on ETL + the 2 seed rules on BI = 26 in total.
    expect(problemsOf(withQueue({ rules: many('a', 24) }))).toMatch(/26 rules in total; at most 25/);
    expect(wlmProblems(withQueue({ rules: many('a', 23) }))).toEqual([]);
  });

  it('metric names and value ranges', () => {
    const bad = (metric: string, value: unknown) =>
      problemsOf(withQueue({ rules: [rule('r', { predicates: [{ metric, operator: '>', value } as never] })] }));
    expect(bad('query_wall_time', 1)).toMatch(/unknown metric "query_wall_time"/);
    expect(bad('query_execution_time', 86_400)).toMatch(/query_execution_time value 86400 outside 0-86399/);
    expect(bad('segment_execution_time', 86_389)).toMatch(/outside 0-86388/);
    expect(bad('cpu_skew', -1)).toMatch(/outside 0-99/);
    expect(bad('query_cpu_usage_percent', 6_400)).toMatch(/outside 0-6399/);
    expect(bad('query_priority', 'urgent')).toMatch(/query_priority value "urgent"/);
    expect(bad('return_row_count', Number.NaN)).toMatch(/outside/);
    expect(
      wlmProblems(
        withQueue({ rules: [rule('r', { predicates: [{ metric: 'query_priority', operator: '=', value: 'high' }] })] })
      )
    ).toEqual([]);
  });

  it('operators are >, < or =', () => {
    const r = rule('r', { predicates: [{ metric: 'return_row_count', operator: '>=' as never, value: 1 }] });
    expect(problemsOf(withQueue({ rules: [r] }))).toMatch(/operator ">=" is not one of/);
  });

  it('actions valid under Auto WLM: no hop; change_query_priority needs a value', () => {
    expect(problemsOf(withQueue({ rules: [rule('r', { action: { type: 'hop' } })] }))).toMatch(
      /"hop" is valid only with manual WLM/
    );
    const noValue = rule('r', { action: { type: 'change_query_priority' } as never });
    expect(problemsOf(withQueue({ rules: [noValue] }))).toMatch(/change_query_priority needs a value/);
    expect(problemsOf(withQueue({ rules: [rule('r', { action: { type: 'kill' } as never })] }))).toMatch(
      /action "kill" is not log/
    );
  });

  it('short query max run time is 0 or 1-20 s', () => {
    expect(problemsOf({ ...seed(), shortQueryMaxSeconds: 21 })).toMatch(/expected 0 \(dynamic\) or 1-20/);
    const json = JSON.parse(buildWlmJson({ ...seed(), shortQueryMaxSeconds: 5 })) as object[];
    expect(json.at(-1)).toEqual({ short_query_queue: true, max_execution_time: 5000 });
  });

  it('the rendered value is at most 8000 characters', () => {
    const long = 'g'.repeat(60);
    const queues = seed().queues.map((q, i) => ({
      ...q,
      userGroups: Array.from({ length: 40 }, (_, j) => `${long}${i}_${j}`),
    }));
    expect(() => buildWlmJson({ ...seed(), queues })).toThrow(/characters; Redshift accepts at most 8000/);
  });

  it('buildWlmJson throws a WlmConfigError listing every problem', () => {
    const c = withQueue({ priority: 'x' as never, rules: [rule('r', { action: { type: 'hop' } })] });
    try {
      buildWlmJson(c);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(WlmConfigError);
      expect((e as WlmConfigError).problems).toHaveLength(2);
    }
  });
});
