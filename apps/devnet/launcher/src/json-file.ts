/**
 * The one way the launcher and `murmur-devnet` write their JSON state files (testnet.json,
 * pids.json, launcher.json, devnet.json): `@murmur/wire`'s atomic write (a temporary file beside
 * the target, then renamed over it), so a reader never sees half a file.
 */
import { writeFileAtomic } from '@murmur/wire/settings-file';

/** Writes `value` as indented JSON to `path` atomically (temporary file, then rename). */
export function writeJsonFileAtomic(path: string, value: unknown, mode = 0o644): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, mode);
}
