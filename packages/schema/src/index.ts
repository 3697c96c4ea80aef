export * from './sensor-reading';
