// Builds the package: one ES module and one CommonJS bundle of src/index.ts (the server's contract file compiled in,
// socket.io-client left to the consumer's installation), and entry declarations for each. `tsc` then writes the
// declarations they point to (dist/types, emitted beside the contract file they import).
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
rmSync(dist, { recursive: true, force: true });

const common = {
  entryPoints: [join(here, 'src', 'index.ts')],
  bundle: true,
  packages: 'external',
  platform: 'neutral',
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning',
};
await Promise.all([
  build({ ...common, format: 'esm', outfile: join(dist, 'index.mjs') }),
  // require() rather than import() of socket.io-client: CommonJS consumers (test runners among them) may not load ES modules
  build({ ...common, format: 'cjs', outfile: join(dist, 'index.cjs'), supported: { 'dynamic-import': false } }),
]);

// one set of declarations, entered through a file of each module format, so that TypeScript sees each build as what it is
const entry = "export * from './types/client/src/index.js';\n";
writeFileSync(join(dist, 'index.d.mts'), entry);
writeFileSync(join(dist, 'index.d.cts'), entry);
