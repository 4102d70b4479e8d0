#!/usr/bin/env node
/**
 * Soak: runs the end-to-end suite (or any jest selection) several times in a row beside busy CPU cores, and
 * prints every test that failed in any run. A test that fails once in ten loaded runs fails some CI run too.
 *
 *   npm run test:soak -- --runs 3 --busy-cores 2
 *   npm run test:soak -- --runs 5 --busy-cores 1 --project e2e -- test/e2e/presence.e2e-spec.ts
 *
 * Options: --runs N (3), --busy-cores K (2: processes spinning beside the suite, stopped however the soak
 * ends), --project NAME (e2e); everything after `--` goes to jest as is (files, -t, --maxWorkers). Ctrl-C
 * stops the hogs and the jest run with everything it started.
 * Each run's jest output is kept in a log file named in the report. Exits 1 when any test failed.
 */
const { spawn } = require('node:child_process');
const { mkdtempSync, openSync, closeSync, readFileSync, existsSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, relative } = require('node:path');

const ROOT = join(__dirname, '..');
const JEST = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');

function parseArgs(argv) {
  const options = { runs: 3, busyCores: 2, project: 'e2e', jestArgs: [] };
  const separator = argv.indexOf('--');
  const own = separator === -1 ? argv : argv.slice(0, separator);
  if (separator !== -1) options.jestArgs = argv.slice(separator + 1);
  for (let i = 0; i < own.length; i += 2) {
    const [name, value] = [own[i], own[i + 1]];
    if (value === undefined) usage(`${name} needs a value`);
    if (name === '--runs') options.runs = count(name, value, 1);
    else if (name === '--busy-cores') options.busyCores = count(name, value, 0);
    else if (name === '--project') options.project = value;
    else usage(`unknown option ${name}`);
  }
  return options;
}

function count(name, value, min) {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) usage(`${name} must be an integer >= ${min}, not ${value}`);
  return parsed;
}

function usage(problem) {
  process.stderr.write(`soak: ${problem}\nusage: soak.js [--runs N] [--busy-cores K] [--project NAME] [-- <jest arguments>]\n`);
  process.exit(2);
}

const EXIT_CODE_OF_SIGNAL = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
/** The jest run under way: it runs in a process group of its own, with its workers, nodes and redis-servers. */
let currentJest;

/** Busy loops in processes of their own; killed, with a jest run under way, on every way out of this process. */
function startHogs(cores) {
  const hogs = Array.from({ length: cores }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  const stopHogs = () => hogs.forEach((hog) => hog.exitCode === null && hog.signalCode === null && hog.kill('SIGKILL'));
  process.on('exit', () => {
    stopHogs();
    stopJest();
  });
  for (const signal of Object.keys(EXIT_CODE_OF_SIGNAL)) process.on(signal, () => process.exit(EXIT_CODE_OF_SIGNAL[signal]));
  return stopHogs;
}

function stopJest() {
  if (!currentJest || currentJest.exitCode !== null || currentJest.signalCode !== null) return;
  try {
    process.kill(-currentJest.pid, 'SIGKILL');
  } catch {
    // the group is already gone
  }
}

function runJest(options, run, logDir) {
  const resultFile = join(logDir, `run-${run}.json`);
  const logFile = join(logDir, `run-${run}.log`);
  const log = openSync(logFile, 'w');
  // --selectProjects takes every word after it: it comes last, so that file arguments stay file arguments
  const args = [JEST, ...options.jestArgs, '--json', '--outputFile', resultFile, '--selectProjects', options.project];
  const startedAt = Date.now();
  return new Promise((resolve) => {
    const jest = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', log, log], detached: true });
    currentJest = jest;
    jest.once('exit', (code, signal) => {
      closeSync(log);
      const results = existsSync(resultFile) ? JSON.parse(readFileSync(resultFile, 'utf8')) : undefined;
      resolve({ code: code ?? signal, seconds: Math.round((Date.now() - startedAt) / 1000), results, logFile });
    });
  });
}

/** Every failure of one run: failed tests, and files that failed outside any test (a hook, a crash). */
function failuresOf(results) {
  const failures = [];
  for (const file of results.testResults) {
    const path = relative(ROOT, file.name);
    const failedTests = file.assertionResults.filter((test) => test.status === 'failed');
    for (const test of failedTests) failures.push({ key: `${path} › ${test.fullName}`, message: test.failureMessages.join('\n') });
    if (file.status === 'failed' && failedTests.length === 0)
      failures.push({ key: `${path} › (outside any test)`, message: file.message || 'the file failed' });
  }
  return failures;
}

function firstLine(message) {
  const line = message
    .split('\n')
    .map((text) => text.trim())
    .find((text) => text && !text.startsWith('at '));
  return (line ?? '').replace(/\u001b\[[0-9;]*m/g, '').slice(0, 160);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const logDir = mkdtempSync(join(tmpdir(), 'chat-soak-'));
  const stopHogs = startHogs(options.busyCores);
  console.log(
    `soak: ${options.runs} runs of jest ${[...options.jestArgs, '--selectProjects', options.project].join(' ')} beside ${options.busyCores} busy cores; logs in ${logDir}`,
  );

  const byTest = new Map();
  const runs = [];
  for (let run = 1; run <= options.runs; run++) {
    const outcome = await runJest(options, run, logDir);
    runs.push(outcome);
    if (!outcome.results) {
      console.log(`run ${run}: jest exited ${outcome.code} after ${outcome.seconds} s without results; see ${outcome.logFile}`);
      byTest.set(`(run ${run} produced no results)`, { runs: [run], message: `jest exited ${outcome.code}` });
      continue;
    }
    const { numPassedTests, numFailedTests, numTotalTestSuites } = outcome.results;
    const failures = failuresOf(outcome.results);
    console.log(`run ${run}: ${numPassedTests} passed, ${numFailedTests} failed in ${numTotalTestSuites} files, ${outcome.seconds} s (${outcome.logFile})`);
    for (const { key, message } of failures) {
      const entry = byTest.get(key) ?? { runs: [], message };
      entry.runs.push(run);
      byTest.set(key, entry);
    }
  }
  stopHogs();

  const seconds = runs.map((run) => run.seconds);
  console.log(`\nwall time per run: ${seconds.join(' s, ')} s`);
  if (byTest.size === 0) {
    console.log(`no test failed in ${options.runs} runs`);
    return 0;
  }
  console.log(`\n${byTest.size} tests failed at least once:\n`);
  const rows = [...byTest].sort(([, a], [, b]) => b.runs.length - a.runs.length);
  console.log(['failed', 'runs', 'test', 'first failure'].join('\t'));
  for (const [key, { runs: failedRuns, message }] of rows) {
    console.log([`${failedRuns.length}/${options.runs}`, failedRuns.join(','), key, firstLine(message)].join('\t'));
  }
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
