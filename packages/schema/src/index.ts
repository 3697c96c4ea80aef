export * from './sensor-reading';
export * from './prediction';
export * from './etl-runs';
