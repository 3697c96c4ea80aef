/**
 * The Glue jobs' code locations and S3 grants as synthesized (fast; test/glue-as-glue.test.ts runs the jobs).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { template } from './helpers/app';
import { etlTestStack } from './helpers/etl';

const { etl } = etlTestStack();
const t = template(etl);
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const flat = (v: Json): string =>
  typeof v === 'string' ? v : v['Fn::Join'] ? (v['Fn::Join'][1] as Json[]).map(flat).join('') : '<token>';

describe('Glue job code (GlueCode)', () => {
  const jobs = Object.values(t.findResources('AWS::Glue::Job')).map((r) => r['Properties'] as Json);

  it("every job's --extra-py-files names end in the module names its script imports, below the deployed prefix", () => {
    const dep = Object.values(t.findResources('Custom::CDKBucketDeployment'));
    expect(dep).toHaveLength(1);
    expect(dep[0]!['Properties']['DestinationBucketKeyPrefix']).toBe('glue/');
    expect(jobs).toHaveLength(3);
    for (const job of jobs) {
      const script = flat(job['Command']['ScriptLocation']);
      const m = /^s3:\/\/<token>\/glue\/([a-z_]+)\/job\.py$/.exec(script);
      expect(m, script).not.toBeNull();
      const folder = m![1]!;
      const source = readFileSync(join(__dirname, '..', 'glue-scripts', folder, 'job.py'), 'utf8');
      const own = [...source.matchAll(/^import ([a-z_]+) as \w+$/gm)]
        .map((x) => x[1]!)
        .filter((mod) => {
          try {
            readFileSync(join(__dirname, '..', 'glue-scripts', folder, `${mod}.py`));
            return true;
          } catch {
            return false;
          }
        });
      expect(own.length).toBeGreaterThan(0);
      const extra = flat(job['DefaultArguments']['--extra-py-files']).split(',');
      expect(extra).toEqual(own.map((mod) => `s3://<token>/glue/${folder}/${mod}.py`));
    }
  });

  it('the Spark job may probe its prefixes as directories (key without slash, $folder$ marker, listing)', () => {
    const raw = JSON.stringify(t.findResources('AWS::IAM::Policy'));
    for (const dir of ['sensor', 'sensor_readings', 'rejects/sensor']) {
      expect(raw).toContain(`"/${dir}"`);
      expect(raw).toContain(`"/${dir}_$folder$"`);
    }
    expect(raw).toContain('"s3:prefix":["sensor_readings/*","sensor_readings"]');
    expect(raw).toContain('"s3:prefix":["sensor/*","sensor"]');
    // the Python shell jobs get no such extra keys
    expect(raw.match(/SparkDirectoryProbes/g)).toHaveLength(3);
  });
});
