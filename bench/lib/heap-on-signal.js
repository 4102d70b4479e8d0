'use strict';
// Preloaded into a server under measurement (with --expose-gc): SIGUSR2 runs a full collection, then prints what
// the heap still holds, so that a bench tells live memory from garbage the collector had not reached yet.
process.on('SIGUSR2', () => {
  global.gc?.();
  const { heapUsed, external, arrayBuffers, rss } = process.memoryUsage();
  process.stderr.write(`HEAP-AFTER-GC ${JSON.stringify({ at: Date.now(), heapUsed, external, arrayBuffers, rss })}\n`);
});
