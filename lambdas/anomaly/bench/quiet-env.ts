// Imported first by the benchmark: Powertools' singletons read these when the handler modules are loaded.
process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
process.env['POWERTOOLS_METRICS_DISABLED'] = 'true';
process.env['POWERTOOLS_METRICS_NAMESPACE'] = 'Bench';
process.env['AWS_ACCESS_KEY_ID'] ??= 'AKIDLOCALTEST';
process.env['AWS_SECRET_ACCESS_KEY'] ??= 'local-test-secret';
export {};
