// Bundles the built CLI (and its crypto worker) into single files, in place under dist/.
//
// Why: loading the unbundled program means loading ~1,000 small ES modules (TypeBox alone is
// 709), which cost each `murmur-node` process about 0.4 s of CPU and 15 MB before it did any
// work; a devnet starts twenty of them at once. The tsc output stays beside the bundle for
// tests and for code that imports the library modules directly.
//
// The shared options (externals, minification, the require banner) are in
// tools/config/bundle.mjs.
import { build } from 'esbuild';
import { programBundle } from '../../../tools/config/bundle.mjs';

// The EVM ledger (viem, about 2.9 MB): imported dynamically, only by nodes that follow a chain,
// and resolved from node_modules then, so an ordinary node never holds its source in memory.
const external = ['@murmur/registry/evm'];

await build(programBundle('dist/cli.js', { external }));
// The bundled CLI looks for its worker beside itself (`new URL('./crypto-worker.js', ...)`).
await build(
  programBundle('dist/offload/crypto-worker.js', { outfile: 'dist/crypto-worker.js', external }),
);
