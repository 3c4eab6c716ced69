// The ingest benchmarks' settings, imported before anything else: modules
// evaluate their imports before their own body, and the handler modules build
// the Powertools logger and metrics as they are imported, so a setting made in
// a benchmark's body came too late (every batch was logged at INFO, with its
// EMF metrics). As under `npm start`: warnings and errors only, no EMF.
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

export {};
