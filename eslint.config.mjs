/**
 * Type-aware lint over src/, test/ and client/src/ (`npm run lint`, run by `npm test`): the mistakes in
 * asynchronous code that the compiler lets through, and switches that stop covering a union when it grows.
 * Deliberately not the whole recommended set (it mostly objects to `any` in tests' JSON handling). Layout is
 * Prettier's (`.prettierrc.json`, checked by the same `npm run lint`): width 160, the width the code was written at,
 * which kept the one-time reformat to the lines that were longer or wrapped by hand.
 */
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'client/src/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // a promise nobody awaits or catches loses its error; `void` marks the few that are meant to run on their own
      '@typescript-eslint/no-floating-promises': 'error',
      // an async callback where the caller expects void (listeners, timers, forEach): its rejection goes nowhere
      '@typescript-eslint/no-misused-promises': 'error',
      // a `default` does not count: a new member of a union (a reply code, a contract event) must get its own case
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      // the same family, clean today: a returned promise escaping its try/catch, throwing or rejecting non-Errors
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
    },
  },
);
