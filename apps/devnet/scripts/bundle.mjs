// Bundles the built `ledger` command into one file, in place (dist/commands/ledger.js), as
// murmur-node (apps/service-node/scripts/bundle.mjs) and murmur-relay bundle their programs.
// The dispatcher (dist/cli.js) imports a command's module only when it runs, so the ledger
// process a devnet starts (`murmur-devnet ledger …`) loads the few dispatcher modules and this
// one file.
//
// Why: unbundled, the ledger command loads several hundred small ES modules (Fastify, TypeBox,
// the registry and wire packages, ws, prom-client): 1.7-2.8 s of a busy machine's time before
// the ledger does any work, and `murmur-devnet up` waits for the ledger before anything else.
// The tsc output of every other module stays as it is (the other commands, the library
// exports, the tests).
//
// Native addons and pino's transport machinery (which loads files by path in worker threads)
// stay external and are resolved from node_modules as usual.
import { build } from 'esbuild';
import { programBundle } from '../../../tools/config/bundle.mjs';

await build(programBundle('dist/commands/ledger.js'));
