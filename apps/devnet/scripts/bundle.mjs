// Bundles, in place over tsc's output, the programs a devnet runs of this package, as murmur-node
// (apps/service-node/scripts/bundle.mjs) and murmur-relay bundle theirs:
//
// - `dist/cli.js`, the dispatcher every `murmur-devnet` command goes through (it imported
//   @murmur/wire unbundled just for its error classes); each command module stays a file of its
//   own, loaded only when that command runs (the dynamic imports of dist/commands/index.js stay
//   external, their paths rewritten for the bundle's place);
// - `dist/commands/ledger.js`, the ledger process a devnet starts (`murmur-devnet ledger …`);
// - `dist/commands/up.js`, `murmur-devnet up` itself with @murmur/testnet: a developer (and
//   bench:devnet) waits for `up` to load before anything starts. What `up` loads only on demand
//   stays external and unbundled: the demo (`--demo`), the desktop daemons (`--desktop`) and
//   what they load (the dynamic imports of up.js itself).
//
// Why: unbundled, each of these loads several hundred small ES modules (Fastify, TypeBox, the
// registry and wire packages, ws, prom-client, cli-table3 …): 1-3 s of a busy machine's time
// before the program does any work. The tsc output of every other module stays as it is (the
// other commands, the library exports, the tests).
//
// @murmur/terminal's index also exports the chart renderer, which imports @resvg/resvg-js (a
// native addon that is not a dependency of this package); `up` draws no chart, so the import is
// marked free of side effects and dropped with the unused renderer. A bundle that still used it
// would fail at its first start (the e2e tests start `up`).
import { dirname, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { programBundle } from '../../../tools/config/bundle.mjs';

/** The dynamic imports written in `file` (not those of its dependencies) stay external. */
function lazyImportsOf(file) {
  const entry = resolve(file);
  return {
    name: 'lazy-imports-stay-external',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind !== 'dynamic-import' || resolve(args.importer) !== entry) return undefined;
        return { path: args.path, external: true };
      });
    },
  };
}

/** The command modules dist/commands/index.js loads, as paths from the bundle at `outfile`. */
function commandModulesExternal(outfile) {
  const table = resolve('dist/commands/index.js');
  return {
    name: 'command-modules-stay-external',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^\.\// }, (args) => {
        if (args.kind !== 'dynamic-import' || resolve(args.importer) !== table) return undefined;
        const target = resolve(dirname(table), args.path);
        return { path: `./${relative(dirname(resolve(outfile)), target)}`, external: true };
      });
    },
  };
}

const noCharts = {
  name: 'no-chart-renderer',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^@resvg\/resvg-js$/ }, (args) => ({
      path: args.path,
      external: true,
      sideEffects: false,
    }));
  },
};

await build({
  ...programBundle('dist/cli.js'),
  plugins: [commandModulesExternal('dist/cli.js')],
});
await build(programBundle('dist/commands/ledger.js'));
await build({
  ...programBundle('dist/commands/up.js'),
  plugins: [lazyImportsOf('dist/commands/up.js'), noCharts],
});
