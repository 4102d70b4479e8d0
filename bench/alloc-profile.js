/**
 * Preloaded into a node (`--node-args "-r ./bench/alloc-profile.js"`): samples every allocation, garbage
 * included, from ALLOC_PROFILE_DELAY_MS after start (default 8000: start-up left out) until the node is stopped,
 * then writes alloc-<pid>.json to ALLOC_PROFILE_DIR (default the working directory). `--heap-prof` keeps only
 * what is still alive at the end, which hides the garbage that drives GC time; read the file with alloc-top.js.
 */
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const session = new inspector.Session();
session.connect();
setTimeout(
  () => {
    session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  },
  Number(process.env.ALLOC_PROFILE_DELAY_MS ?? 8000),
).unref();

const writeAndExit = () => {
  session.post('HeapProfiler.stopSampling', (error, result) => {
    if (!error) writeFileSync(join(process.env.ALLOC_PROFILE_DIR ?? '.', `alloc-${process.pid}.json`), JSON.stringify(result.profile));
    process.exit(0);
  });
};
process.prependListener('SIGINT', writeAndExit);
process.prependListener('SIGTERM', writeAndExit);
