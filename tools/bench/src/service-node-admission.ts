/**
 * The per-request bookkeeping of an admitted request, before and after issue 16, paired in one
 * process (the machine is shared: A and B alternate, and the table gives the median of the
 * per-pair ratios): `pnpm --filter @murmur/service-node build && pnpm --filter @murmur/bench exec
 * tsx src/service-node-admission.ts`.
 *
 * Each simulated request gets what `apps/service-node/src/app.ts` gives an admitted storage RPC
 * request, then ends as a request does (its response's `close`), nothing cancelling it:
 *
 * - A (before): an `AbortController`, `setMaxListeners(28)` on its signal, a `setTimeout` for
 *   its deadline, a `once('close')` listener that clears the timer.
 * - B (after): a `RequestScope` (no signal made), an entry in one `DeadlineList`, the same
 *   `once('close')` listener, which marks the entry done.
 *
 * The requests overlap as they do under load (`--in-flight`, default 32, open at once), and their
 * deadlines are 10 s away (none fires). Flags: `--rounds` (15), `--requests` per run (20,000).
 */
import { EventEmitter, setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import { DeadlineList, RequestScope } from '@murmur/service-node';
import { median } from './stats.js';

const { values: flags } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    rounds: { type: 'string', default: '15' },
    requests: { type: 'string', default: '20000' },
    'in-flight': { type: 'string', default: '32' },
  },
});
const ROUNDS = Number(flags.rounds);
const REQUESTS = Number(flags.requests);
const IN_FLIGHT = Number(flags['in-flight']);
const DEADLINE_MS = 10_000;

type Admit = (response: EventEmitter) => void;

const before: Admit = (response) => {
  const controller = new AbortController();
  setMaxListeners(28, controller.signal);
  const deadline = setTimeout(() => controller.abort(new Error('request deadline')), DEADLINE_MS);
  response.once('close', () => {
    clearTimeout(deadline);
  });
};

const deadlines = new DeadlineList();
const after: Admit = (response) => {
  const scope = new RequestScope(28);
  scope.deadline = deadlines.add(performance.now() + DEADLINE_MS, () =>
    scope.abort(new Error('request deadline')),
  );
  response.once('close', () => {
    if (scope.deadline !== undefined) scope.deadline.done = true;
  });
};

/** CPU µs per request of `admit` over `REQUESTS` requests, `IN_FLIGHT` open at once. */
async function run(admit: Admit): Promise<number> {
  const open: EventEmitter[] = [];
  const start = process.cpuUsage();
  for (let i = 0; i < REQUESTS; i++) {
    const response = new EventEmitter();
    admit(response);
    open.push(response);
    if (open.length >= IN_FLIGHT) (open.shift() as EventEmitter).emit('close');
    // A loop turn now and then, as requests arrive over many turns.
    if (i % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  for (const response of open.splice(0)) response.emit('close');
  const used = process.cpuUsage(start);
  return (used.user + used.system) / REQUESTS;
}

await run(before);
await run(after);
const a: number[] = [];
const b: number[] = [];
const ratios: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const first = round % 2 === 0 ? before : after;
  const second = first === before ? after : before;
  const x = await run(first);
  const y = await run(second);
  const [ua, ub] = first === before ? [x, y] : [y, x];
  a.push(ua);
  b.push(ub);
  ratios.push(ub / ua);
}
deadlines.close();
console.log(
  `admission bookkeeping per request, ${ROUNDS} paired rounds of ${REQUESTS.toLocaleString('en-US')} requests (${IN_FLIGHT} in flight), CPU µs, medians:`,
);
console.log(
  '| A: AbortController + setMaxListeners + setTimeout | B: RequestScope + DeadlineList | B / A |',
);
console.log('|---:|---:|---:|');
console.log(
  `| ${median(a).toFixed(2)} | ${median(b).toFixed(2)} | **${median(ratios).toFixed(2)}** |`,
);
