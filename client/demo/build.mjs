// Bundles the demo page (client library, socket.io-client and the page's script) into static files the node
// serves at /demo: nothing is built at run time.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, '..', '..', 'dist', 'public', 'demo');
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [join(here, 'app.ts'), join(here, 'app.css')],
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'iife',
  target: ['es2020'],
  outdir,
  logLevel: 'warning',
});
for (const file of ['index.html', 'sw.js']) copyFileSync(join(here, file), join(outdir, file));
