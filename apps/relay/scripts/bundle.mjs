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
import { programBundle } from '../../../tools/config/bundle.mjs';

await build(programBundle('dist/cli-main.js'));
