// The esbuild options every Murmur program bundle shares (murmur-node, murmur-relay, the devnet
// ledger: each app's scripts/bundle.mjs). Each script says why it bundles and what; this is the
// how, once: one ES module for node20, bundled in place over tsc's output.
//
// Native addons and pino's transport machinery (which loads files by path in worker threads)
// stay external and are resolved from node_modules as usual.

/** Packages no program bundle inlines. */
export const PROGRAM_EXTERNALS = [
  'better-sqlite3',
  'sodium-native',
  'pino',
  'pino-pretty',
  'thread-stream',
  'bufferutil',
  'utf-8-validate',
];

/**
 * esbuild options that bundle `file` into itself (in place); `external` adds packages to
 * {@link PROGRAM_EXTERNALS}.
 *
 * @param {string} file the built entry, e.g. `dist/cli.js`
 * @param {{ outfile?: string, external?: readonly string[] }} [options]
 */
export function programBundle(file, options = {}) {
  return {
    entryPoints: [file],
    outfile: options.outfile ?? file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: [...PROGRAM_EXTERNALS, ...(options.external ?? [])],
    allowOverwrite: true,
    // Whitespace and syntax only: names stay, so stack traces and logs still name functions.
    // V8 keeps every script's source text in the heap; the unminified node bundle cost an idle
    // node about 14 MB more resident memory (82 against 68 MB, docs/BENCHMARKS.md).
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'linked',
    logLevel: 'warning',
    // Bundled CommonJS dependencies call require(); give the ES module one.
    banner: {
      js: "import { createRequire as __murmurCreateRequire } from 'node:module'; const require = __murmurCreateRequire(import.meta.url);",
    },
  };
}
