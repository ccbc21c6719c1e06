export { buildApp } from './app.js';
export { loadConfig, ConfigError, SETTINGS, type TallyConfig } from './config.js';
export { openTally, VERSION } from './tally.js';
export { startServer, type RunningServer } from './serve.js';
export { generateOpenApi } from './openapi.js';
