/**
 * One devnet for the `devnet-up-e2e` project, started the way people start it: `murmur-devnet
 * up --nodes 12 --base-port 0 --dir <tmp> --fresh` as a real child process in its own process
 * group, ready when its launcher.json says so; stopped by `murmur-devnet down` (the last test
 * checks that nothing is left; the teardown makes sure). The directory is kept when a test
 * failed (its path and the logs directory are printed).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '@murmur/wire';
import type { TestProject } from 'vitest/node';
import { leftovers, recordedPids, runCli, UpProcess } from '../launcher-support.js';

/** Nodes of the suite's devnet. */
export const NODES = 12;

declare module 'vitest' {
  export interface ProvidedContext {
    /** The devnet directory (devnet.json, logs/, pids.json). */
    devnetDir: string;
    /** The file holding everything `murmur-devnet up` printed. */
    devnetOutput: string;
    /** The pid of the `murmur-devnet up` process. */
    launcherPid: number;
    /** Where a failing test leaves a mark, so the directory is kept. */
    failedMarker: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = mkdtempSync(join(tmpdir(), 'murmur-devnet-up-e2e-'));
  const dir = join(root, 'devnet');
  const outFile = join(root, 'up.out');
  const failedMarker = join(root, 'failed');
  const up = UpProcess.start(
    ['--nodes', String(NODES), '--base-port', '0', '--dir', dir, '--fresh'],
    outFile,
  );
  const launcherFile = join(dir, 'launcher.json');
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (existsSync(launcherFile)) {
      try {
        const record = JSON.parse(readFileSync(launcherFile, 'utf8')) as { state?: string };
        if (record.state === 'ready') break;
      } catch {
        // Being written.
      }
    }
    if (up.exitCode !== undefined || Date.now() > deadline) {
      const output = up.output();
      if (up.exitCode === undefined) {
        up.signal('SIGTERM');
        await up.waitForExit(20_000).catch(() => undefined);
      }
      throw new Error(
        `murmur-devnet up did not get ready (logs kept in ${dir}/logs); its output:\n${output}`,
      );
    }
    await sleep(100);
  }
  project.provide('devnetDir', dir);
  project.provide('devnetOutput', outFile);
  project.provide('launcherPid', up.pid);
  project.provide('failedMarker', failedMarker);

  return async () => {
    const pids = recordedPids(dir);
    if (up.exitCode === undefined) {
      await runCli(['down', '--dir', dir], { timeoutMs: 60_000 });
      await up.waitForExit(30_000).catch(() => undefined);
    }
    const left = await leftovers(dir, [...pids, up.pid], 5_000);
    for (const entry of left) {
      const pid = Number(/^(?:pid )?([0-9]+)/.exec(entry)?.[1]);
      if (Number.isSafeInteger(pid)) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // Not a group leader, or gone.
        }
      }
    }
    if (existsSync(failedMarker) || left.length > 0) {
      console.error(
        `devnet e2e: kept ${root} (logs in ${dir}/logs)${left.length > 0 ? `; killed leftovers: ${left.join('; ')}` : ''}`,
      );
    } else {
      rmSync(root, { recursive: true, force: true });
    }
  };
}
