'use strict';
// Preloaded into a server under measurement (with --expose-gc): SIGUSR2 runs a full collection, so that resident
// memory is read after garbage is gone rather than whenever V8 last chose to collect.
process.on('SIGUSR2', () => global.gc?.());
