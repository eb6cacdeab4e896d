/**
 * Bundles the compiled server (dist/src, from `tsc`) into dist/app: Deckhand's own ~380 modules become a
 * handful of files, the packages stay in node_modules (imported as they are). Node 20 loads every ES module
 * through its resolver and loader one by one; importing the server's module graph took ~330–390 ms from
 * dist/src and ~240–260 ms bundled (CPU 470–630 vs 330–410 ms, on a 2-core machine). Dynamic imports stay
 * separate chunks (code splitting), so what loads only when configured (a chat platform, Kubernetes) still
 * does. `node dist/app/main.js` is what `npm start` and the image run; the e2e tests run it too.
 */
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';

const OUT_DIR = 'dist/app';

await rm(OUT_DIR, { recursive: true, force: true });
await build({
  entryPoints: ['dist/src/bot/main.js'],
  outdir: OUT_DIR,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // Stack traces in logs point into src/ with node --enable-source-maps (tsc's maps are read through).
  sourcemap: true,
  logLevel: 'warning',
});
