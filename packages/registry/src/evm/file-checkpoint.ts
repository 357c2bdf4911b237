/**
 * A checkpoint file for {@link createEvmLedgerSource} (Node only): JSON, written to a temporary
 * file and renamed over the old one, so that a crash leaves the previous checkpoint whole.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@murmur/wire/settings-file';
import type { EvmCheckpointStore } from './evm-ledger-source.js';

/** Keeps the checkpoint at `path` (absent file: no checkpoint yet). */
export function fileCheckpointStore(path: string): EvmCheckpointStore {
  return {
    async load() {
      try {
        return JSON.parse(await readFile(path, 'utf8')) as unknown;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async save(checkpoint) {
      writeFileAtomic(path, JSON.stringify(checkpoint), 0o600);
    },
  };
}
