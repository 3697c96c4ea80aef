export * from './sensor-reading';
export * from './prediction';
