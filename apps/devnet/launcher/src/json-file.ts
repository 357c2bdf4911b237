/**
 * The one way the launcher and `murmur-devnet` write their JSON state files (testnet.json,
 * pids.json, launcher.json, devnet.json): to a temporary file beside the target, then renamed
 * over it, so a reader never sees half a file.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';

/** Writes `value` as indented JSON to `path` atomically (temporary file, then rename). */
export function writeJsonFileAtomic(path: string, value: unknown, mode = 0o644): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
