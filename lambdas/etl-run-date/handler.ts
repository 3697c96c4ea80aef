import { logger, requireEnv } from '../shared/powertools';
import { resolveRunDate, type RunDateInput } from './run-date';

const TIME_ZONE = requireEnv('TIME_ZONE');

/** First state of the ETL workflow: `{ runDate? , scheduledTime? }` -> `{ runDate }` (see run-date.ts). */
export const handler = async (event: RunDateInput): Promise<{ runDate: string }> => {
  const out = resolveRunDate(event ?? {}, TIME_ZONE, new Date());
  logger.info('run date resolved', { input: event, runDate: out.runDate, timeZone: TIME_ZONE });
  return out;
};
