// Bundles the built CLI into one file, in place (dist/cli-main.js), as murmur-node does
// (apps/service-node/scripts/bundle.mjs). The entry dist/cli.js stays tsc's few lines: it sets
// V8's heap flags (src/cli.ts) before it imports the bundle.
//
// Why: unbundled, `murmur-relay` loads several hundred small ES modules (TypeBox, the registry,
// the circuits and wire packages, ws, prom-client): about 0.5 s of CPU before it does any work,
// and a devnet starts twenty relays beside twenty nodes on the same cores. The tsc output stays
// beside the bundle for tests and for code that imports the library modules (`@murmur/relay`,
// `@murmur/relay/local`).
//
// Native addons and pino's transport machinery (which loads files by path in worker threads)
// stay external and are resolved from node_modules as usual.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli-main.js'],
  outfile: 'dist/cli-main.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: [
    'sodium-native',
    'pino',
    'pino-pretty',
    'thread-stream',
    'bufferutil',
    'utf-8-validate',
  ],
  allowOverwrite: true,
  // Whitespace and syntax only: names stay, so stack traces and logs still name functions; V8
  // keeps every script's source text in the heap, so a smaller source is less resident memory.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'linked',
  logLevel: 'warning',
  // Bundled CommonJS dependencies call require(); give the ES module one.
  banner: {
    js: "import { createRequire as __murmurCreateRequire } from 'node:module'; const require = __murmurCreateRequire(import.meta.url);",
  },
});
