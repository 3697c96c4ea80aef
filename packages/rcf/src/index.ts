export { Random } from './random';
export { Tree, NONE, type NodeIds } from './tree';
export { PointStore, type SlotIds } from './points';
export { RandomCutForest, type ForestOptions, validateForestOptions, MAX_SAMPLE_SIZE, MAX_DIMENSIONS } from './forest';
export {
  Thresholder,
  type ThresholderOptions,
  type Grade,
  DEFAULT_THRESHOLDER_OPTIONS,
  validateThresholderOptions,
} from './thresholder';
export {
  AnomalyDetector,
  type AnomalyResult,
  type DetectorOptions,
  type PartialDetectorOptions,
  type DimensionAttribution,
  DEFAULT_DETECTOR_OPTIONS,
  DEFAULT_ALERT_GRADE,
  resolveDetectorOptions,
} from './detector';
export { SNAPSHOT_MAGIC, SNAPSHOT_VERSION, SNAPSHOT_VERSIONS_READ, SnapshotError, crc32 } from './snapshot';
export * from './nab';
export { parseTimestampValueCsv, type TimestampValueRow, CsvError } from './csv';
export { KDA_FOREST_OPTIONS, kdaScores } from './kda';
