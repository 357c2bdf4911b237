/**
 * Devnet ready time on both ledgers, in the same run
 * (`pnpm --filter @murmur/bench run bench:devnet-ledgers`; build first): `murmur-devnet up
 * --ledger devnet` and `--ledger evm` (anvil from npm, contracts deployed, nodes staked through
 * the contract), `--nodes N --fresh --base-port 0`, alternating, each timed from the spawn until
 * its `launcher.json` says `ready` (every node active in a swarm and healthy), then stopped with
 * `down`. Prints each ledger's median, the ratio evm / devnet, and the launcher's phase timings
 * (ledger, wallets, registrations, processes, swarms, health) of the last run of each.
 *
 * Flags: `--nodes N` (default 12), `--runs N` per ledger (default 3).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { devnetPrograms } from '@murmur/devnet';
import { sleep } from '@murmur/wire';
import { positiveInteger, scriptArgs } from './args.js';
import { median } from './stats.js';

const CLI = devnetPrograms().ledgerCli;
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\` first`);
const { values } = parseArgs({
  args: scriptArgs(),
  options: { nodes: { type: 'string', default: '12' }, runs: { type: 'string', default: '3' } },
});
const nodes = positiveInteger('--nodes', values.nodes);
const runs = positiveInteger('--runs', values.runs);

function cli(args: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 120_000 }, (error) =>
      resolve(error === null ? 0 : 1),
    );
  });
}

async function once(
  ledger: 'devnet' | 'evm',
): Promise<{ ms: number; timings: Record<string, number> }> {
  const root = mkdtempSync(join(tmpdir(), `murmur-bench-ledgers-${ledger}-`));
  const dir = join(root, 'devnet');
  const started = performance.now();
  const up = spawn(
    process.execPath,
    [CLI, 'up', '--ledger', ledger, '--nodes', String(nodes), '--base-port', '0', '--dir', dir],
    { detached: true, stdio: 'ignore' },
  );
  let exited = false;
  up.once('exit', () => {
    exited = true;
  });
  try {
    const launcherFile = join(dir, 'launcher.json');
    for (;;) {
      if (existsSync(launcherFile)) {
        try {
          const record = JSON.parse(readFileSync(launcherFile, 'utf8')) as {
            state?: string;
            timings?: Record<string, number>;
          };
          if (record.state === 'ready') {
            return { ms: performance.now() - started, timings: record.timings ?? {} };
          }
        } catch {
          // Being written.
        }
      }
      if (exited) throw new Error(`murmur-devnet up --ledger ${ledger} exited before ready`);
      if (performance.now() - started > 180_000) throw new Error(`${ledger}: not ready in 180 s`);
      await sleep(50);
    }
  } finally {
    await cli(['down', '--dir', dir]);
    if (!exited) await new Promise((resolve) => up.once('exit', resolve));
    rmSync(root, { recursive: true, force: true });
  }
}

const results = { devnet: [] as number[], evm: [] as number[] };
const phases: Record<string, Record<string, number>> = {};
for (let run = 0; run < runs; run++) {
  for (const ledger of ['devnet', 'evm'] as const) {
    const { ms, timings } = await once(ledger);
    results[ledger].push(ms);
    phases[ledger] = timings;
    process.stdout.write(`run ${run + 1} ${ledger}: ${(ms / 1_000).toFixed(2)} s\n`);
  }
}
const devnet = median([...results.devnet].sort((a, b) => a - b));
const evm = median([...results.evm].sort((a, b) => a - b));
process.stdout.write(
  `\nmurmur-devnet up --nodes ${nodes}, spawn → ready, median of ${runs} runs each (alternating):\n` +
    `  --ledger devnet ${(devnet / 1_000).toFixed(2)} s, --ledger evm ${(evm / 1_000).toFixed(2)} s, evm / devnet ${(evm / devnet).toFixed(2)}\n`,
);
for (const [ledger, timings] of Object.entries(phases)) {
  const parts = Object.entries(timings)
    .map(([phase, ms]) => `${phase} ${(ms / 1_000).toFixed(2)} s`)
    .join(', ');
  process.stdout.write(`  phases, last ${ledger} run: ${parts}\n`);
}
