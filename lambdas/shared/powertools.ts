import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** Powertools singletons, configured from the environment that PlatformFunction sets. */
export const logger = new Logger();
export const metrics = new Metrics();

/** Reads a required environment variable; throws a clear error at cold start when the deployment forgot it. */
export function requireEnv(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === '') throw new Error(`environment variable ${name} is not set`);
  return v;
}
