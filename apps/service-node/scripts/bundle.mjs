// Bundles the built CLI (and its crypto worker) into single files, in place under dist/.
//
// Why: loading the unbundled program means loading ~1,000 small ES modules (TypeBox alone is
// 709), which cost each `murmur-node` process about 0.4 s of CPU and 15 MB before it did any
// work; a devnet starts twenty of them at once. The tsc output stays beside the bundle for
// tests and for code that imports the library modules directly.
//
// Native addons and pino's transport machinery (which loads files by path in worker threads)
// stay external and are resolved from node_modules as usual.
import { build } from 'esbuild';

const external = [
  'better-sqlite3',
  'sodium-native',
  'pino',
  'pino-pretty',
  'thread-stream',
  'bufferutil',
  'utf-8-validate',
  // The EVM ledger (viem, about 2.9 MB): imported dynamically, only by nodes that follow a chain,
  // and resolved from node_modules then, so an ordinary node never holds its source in memory.
  '@murmur/registry/evm',
];

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  allowOverwrite: true,
  // Whitespace and syntax only: names stay, so stack traces and logs still name functions.
  // V8 keeps every script's source text in the heap; the unminified bundle cost an idle node
  // about 14 MB more resident memory (82 against 68 MB, `tools/bench` and docs/BENCHMARKS.md).
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'linked',
  logLevel: 'warning',
  // Bundled CommonJS dependencies call require(); give the ES module one.
  banner: {
    js: "import { createRequire as __murmurCreateRequire } from 'node:module'; const require = __murmurCreateRequire(import.meta.url);",
  },
};

await build({ ...common, entryPoints: ['dist/cli.js'], outfile: 'dist/cli.js' });
// The bundled CLI looks for its worker beside itself (`new URL('./crypto-worker.js', ...)`).
await build({
  ...common,
  entryPoints: ['dist/offload/crypto-worker.js'],
  outfile: 'dist/crypto-worker.js',
});
