/**
 * The orphan guard: a tiny detached process that watches the process that started the testnet
 * and, if that one dies without stopping it (a crashed test worker, `kill -9` of a launcher),
 * stops every process recorded in `<dir>/pids.json` (SIGTERM to each process group, SIGKILL
 * after the grace period) and exits. Recorded pids are checked against their recorded start
 * time, as everywhere else, so a recycled pid is left alone. A testnet stops its guard in
 * `stop()` and `detach()`.
 *
 * Run as `node --input-type=module -e REAPER_SOURCE <parent pid> <parent start time> <pids file> <grace ms>`.
 */

/** How often the guard looks at its parent, ms. */
export const REAPER_INTERVAL_MS = 500;

/** The guard's source. */
export const REAPER_SOURCE = `
import { readFileSync } from 'node:fs';
const [parentText, parentStart, pidsFile, graceText] = process.argv.slice(1);
const parent = Number(parentText);
const grace = Number(graceText);
function stat(pid) {
  try {
    const text = readFileSync('/proc/' + pid + '/stat', 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], start: fields[19] };
  } catch {
    return undefined;
  }
}
function alive(pid, start) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (error.code !== 'EPERM') return false;
  }
  const current = stat(pid);
  if (current === undefined) return true;
  if (current.state === 'Z') return false;
  return start === '' || start === undefined || current.start === start;
}
function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}
function signal(pgid, name) {
  try {
    process.kill(-pgid, name);
  } catch {}
}
let reaping = false;
async function reap() {
  reaping = true;
  let entries = [];
  try {
    entries = JSON.parse(readFileSync(pidsFile, 'utf8')).processes ?? [];
  } catch {}
  const running = entries.filter((entry) => entry.pid !== process.pid && alive(entry.pid, entry.startTime));
  console.log(JSON.stringify({ reaper: 'parent gone', parent, stopping: running.map((entry) => entry.name) }));
  for (const entry of running) signal(entry.pid, 'SIGTERM');
  const deadline = Date.now() + grace;
  while (Date.now() < deadline && running.some((entry) => groupAlive(entry.pid))) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const entry of running) if (groupAlive(entry.pid)) signal(entry.pid, 'SIGKILL');
  process.exit(0);
}
setInterval(() => {
  if (!reaping && !alive(parent, parentStart)) void reap();
}, ${REAPER_INTERVAL_MS});
console.log(JSON.stringify({ reaper: 'watching', parent }));
`;

/** The arguments of `node` that run the guard. */
export function reaperArgs(
  parentPid: number,
  parentStartTime: string | undefined,
  pidsFile: string,
  graceMs: number,
): string[] {
  return [
    '--input-type=module',
    '-e',
    REAPER_SOURCE,
    String(parentPid),
    parentStartTime ?? '',
    pidsFile,
    String(graceMs),
  ];
}
