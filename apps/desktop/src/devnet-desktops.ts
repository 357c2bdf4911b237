/**
 * N desktop daemons on one network whose accounts already know each other: each gets an
 * account ("Desktop 1", "Desktop 2", …) on first start, and every other account as a contact
 * with that name as nickname. Data directories are kept (`<dir>/desktop-<n>`): a second run
 * resumes the same accounts. Used by `murmur-desktop-devnet` (`devnet-cli.ts`).
 */
import { join } from 'node:path';
import type { MurmurCrypto } from '@murmur/crypto';
import type { Logger } from '@murmur/wire';
import { type Daemon, startDaemon } from './daemon.js';
import type { NetworkConfig } from './network.js';

/** Options of {@link startDesktops}. */
export interface DesktopsInit {
  count: number;
  /** Where `desktop-<n>` data directories go. */
  dir: string;
  network: NetworkConfig;
  devTimers?: boolean;
}

/** One started desktop. */
export interface StartedDesktop {
  name: string;
  sessionId: string;
  daemon: Daemon;
}

/** Starts the daemons, makes the accounts and the contacts; stops what started on failure. */
export async function startDesktops(
  init: DesktopsInit,
  components: { crypto: MurmurCrypto; logger: Logger; fetch: typeof fetch },
): Promise<StartedDesktop[]> {
  const started: StartedDesktop[] = [];
  try {
    for (let n = 1; n <= init.count; n++) {
      const name = `Desktop ${n}`;
      const daemon = await startDaemon(
        {
          dataDir: join(init.dir, `desktop-${n}`),
          port: 0,
          network: init.network,
          devTimers: init.devTimers === true,
        },
        { ...components, logger: components.logger.child({ desktop: n }) },
      );
      let account = daemon.accounts.list()[0];
      if (account === undefined) {
        const created = await daemon.accounts.create({ displayName: name });
        account = created.account;
        // A throwaway devnet account: its phrase counts as written down.
        daemon.accounts.confirmPhrase(
          account.id,
          created.phrase
            .split(' ')
            .slice(0, 3)
            .map((word, index) => ({ position: index + 1, word })),
        );
      }
      started.push({ name, sessionId: account.sessionId as string, daemon });
    }
    for (const desktop of started) {
      const account = desktop.daemon.accounts.list()[0];
      if (account === undefined || account.locked) continue;
      for (const other of started) {
        if (other === desktop) continue;
        await desktop.daemon.accounts.setNickname(account.id, other.sessionId, other.name);
      }
    }
    return started;
  } catch (error) {
    for (const desktop of started) await desktop.daemon.close().catch(() => undefined);
    throw error;
  }
}
