/**
 * The lifecycle every daemon suite repeats: the daemons and data folders a test made, closed and
 * removed after each test. Call at the top of a test file.
 */
import { rmSync } from 'node:fs';
import { afterEach } from 'vitest';
import type { Daemon } from '../daemon.js';

/** Push what a test starts or makes; `daemons.splice(0)` forgets daemons a test closed itself. */
export function daemonsAndDirs(): { daemons: Daemon[]; dirs: string[] } {
  const daemons: Daemon[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const daemon of daemons.splice(0)) await daemon.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return { daemons, dirs };
}
