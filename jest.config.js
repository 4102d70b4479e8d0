/**
 * Unit tests sit beside the code; the Redis tier (test/redis/) runs each Lua script on a real redis-server; end-to-end
 * tests drive built nodes (dist/) over real sockets and Redis.
 * NestJS 12 ships ES modules, which jest on Node 20 cannot require: they are compiled to CommonJS too.
 *
 * TypeScript is compiled by SWC file by file, without type checking: `npm run typecheck` (tsc --noEmit, run by
 * `npm test` before jest) is the type check. SWC must emit what tsc emits for Nest: legacy decorators with their
 * design-time metadata (dependency injection reads the constructor's parameter types from it), class fields
 * assigned as tsc does with `useDefineForClassFields: false`, and class names kept (loggers and tokens use them).
 */
const { availableParallelism } = require('node:os');

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2023',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];
const transform = {
  '^.+\\.ts$': swc,
  '^.+\\.js$': '<rootDir>/test/support/esm-to-cjs-transformer.js',
};
const transformIgnorePatterns = ['/node_modules/(?!(@nestjs|@socket\\.io|uid)/)'];

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/client/src/**/*.spec.ts'],
      transform,
      transformIgnorePatterns,
    },
    {
      // every Lua script run directly against a real redis-server, no node started (test/support/script-probe.ts)
      displayName: 'redis',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/test/redis/**/*.redis-spec.ts'],
      transform,
      transformIgnorePatterns,
      globalSetup: '<rootDir>/test/support/redis-global-setup.ts',
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      transform,
      transformIgnorePatterns,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/after-each-file.ts'],
      slowTestThreshold: 30,
    },
  ],
  testTimeout: 30000,
  // End-to-end files run in parallel: each starts its own redis-server on a free port and its nodes on ports of
  // their choosing, so no two files share a port or a Redis. Their nodes need the CPU as much as jest does:
  // one worker per two cores, and two at least (`--maxWorkers` on the command line overrides it).
  maxWorkers: Math.max(2, Math.floor(availableParallelism() / 2)),
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
