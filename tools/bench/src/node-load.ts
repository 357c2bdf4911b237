/**
 * The load runs of the node benchmarks (`bench:node`, `bench:growth`): the load generator
 * (`service-node-load.ts`, autocannon) in a process of its own, and the server's CPU time per
 * request read from `/proc` around the measured part of the run (after the warm-up).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const benchRoot = join(import.meta.dirname, '..');
const loadScript = join(import.meta.dirname, 'service-node-load.ts');

/** The job `service-node-load.ts` reads from its stdin. */
export interface LoadJob {
  url: string;
  connections: number;
  seconds: number;
  contentType: string;
  bodies:
    | { kind: 'fixed'; body: string; base64?: boolean }
    | { kind: 'store'; count: number; namespace: number; bytes: number };
}

/** What a load run measured. */
export interface LoadResult {
  /** CPU time of the load generator per request, µs. */
  loadCpuMicros?: number;
  /** CPU time of the server process per request, µs (measured around the run). */
  serverCpuMicros?: number;
  /** CPU time of the server's main thread (its event loop) per request, µs. */
  mainCpuMicros?: number;
  requestsPerSecond: number;
  total: number;
  latencyP50: number;
  latencyP99: number;
  latencyMean: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** CPU time (user + system) in a `/proc/.../stat` file, ms. */
function statCpuMillis(path: string): number {
  const fields = readFileSync(path, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of the file (12 and 13 after the command).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/**
 * CPU time a process has used so far, ms: in all (every thread, ended ones included) and on its
 * main thread alone (the event loop: the thread whose id is the process id).
 */
export function cpuMillis(pid: number): { total: number; main: number } {
  return {
    total: statCpuMillis(`/proc/${pid}/stat`),
    main: statCpuMillis(`/proc/${pid}/task/${pid}/stat`),
  };
}

/**
 * Runs `job` against the server whose process is `serverPid` and returns the load generator's
 * figures with the server's CPU per request. `children` holds the generator while it runs (the
 * benchmark kills what is left in it when it exits).
 */
export async function runLoad(
  job: LoadJob,
  serverPid: number,
  children: Set<ChildProcess>,
): Promise<LoadResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', loadScript], {
    cwd: benchRoot,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.add(child);
  child.stdin?.end(JSON.stringify(job));
  let output = '';
  // The server's CPU is sampled once the load generator prints that the warm-up is over.
  let cpuBefore: { total: number; main: number } | undefined;
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (cpuBefore === undefined && output.includes('measuring\n')) cpuBefore = cpuMillis(serverPid);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const cpuAfter = cpuMillis(serverPid);
  children.delete(child);
  if (code !== 0) throw new Error(`the load generator failed (code ${code})`);
  const result = JSON.parse(output.trim().split('\n').pop() as string) as LoadResult;
  if (cpuBefore !== undefined && result.total > 0) {
    result.serverCpuMicros = ((cpuAfter.total - cpuBefore.total) * 1000) / result.total;
    result.mainCpuMicros = ((cpuAfter.main - cpuBefore.main) * 1000) / result.total;
  }
  if (result.non2xx > 0 || result.errors > 0) {
    process.stderr.write(
      `  warning: ${result.non2xx} non-2xx answers and ${result.errors} errors (of ${result.total}) at ${job.url}\n`,
    );
  }
  return result;
}
