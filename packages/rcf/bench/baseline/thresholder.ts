/**
 * Not frozen: the baseline uses today's thresholder (packages/rcf/src/thresholder.ts), so that the exactness check
 * compares only the forest. The baseline's snapshot reader and writer have the same methods as today's; TypeScript
 * sees them as different classes only because each declares its own private fields.
 */
import * as current from '../../src/thresholder';
import type { SnapshotReader, SnapshotWriter } from './snapshot';

export { DEFAULT_THRESHOLDER_OPTIONS, Thresholder, type ThresholderOptions } from '../../src/thresholder';

export const writeThresholder = current.writeThresholder as unknown as (
  w: SnapshotWriter,
  th: current.Thresholder
) => void;
export const readThresholder = current.readThresholder as unknown as (r: SnapshotReader) => current.Thresholder;
export const readThresholderOptionsV1 = current.readThresholderOptionsV1 as unknown as (
  r: SnapshotReader
) => current.ThresholderOptions;
export const readThresholderStateV1 = current.readThresholderStateV1 as unknown as (
  r: SnapshotReader,
  th: current.Thresholder
) => void;
