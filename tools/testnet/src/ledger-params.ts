/**
 * The parameter set a new testnet chain is created with: the devnet set, with the block time
 * asked for and — by default — its block-counted delays scaled so that they last as long in
 * seconds as on the devnet's 1-second blocks. Without scaling, a 250 ms chain would give a node
 * that misses its uptime proofs only 2.5 s of decommission credit before deregistering it, and a
 * testnet resumed after a pause could lose its nodes before they start.
 *
 * The result is the JSON overrides file `murmur-devnet ledger --params <file>` reads:
 * `{"base": "devnet", "blockTimeMs": 250, "unlockBlocks": 40, …}`.
 */
import { devnetParams } from '@murmur/registry';
import { InvalidInputError } from '@murmur/wire';

/** The parameters counted in blocks that {@link ledgerParamOverrides} scales. */
export const BLOCK_COUNTED_PARAMS = [
  'unlockBlocks',
  'deregistrationLockBlocks',
  'decommissionCreditInitialBlocks',
  'decommissionMinimumCreditBlocks',
  'decommissionCreditMaxBlocks',
] as const;

/** Options of {@link ledgerParamOverrides}. */
export interface LedgerParamsInit {
  blockTimeMs: number;
  /** Scale the block-counted delays to the block time (default true). */
  scale?: boolean | undefined;
  /** Any parameter in its JSON form (amounts as decimal text), applied last. */
  overrides?: Readonly<Record<string, unknown>> | undefined;
}

/** Checks a block time: an integer from 10 ms (the ledger's floor) to a day. */
export function checkBlockTime(blockTimeMs: number): void {
  if (!Number.isSafeInteger(blockTimeMs) || blockTimeMs < 10 || blockTimeMs > 86_400_000) {
    throw new InvalidInputError(
      `blockTimeMs must be an integer from 10 to 86400000, not ${blockTimeMs}`,
    );
  }
}

/**
 * The overrides file's content for a new chain, or `undefined` when the plain devnet set with
 * this block time is wanted (then `--block-time-ms` alone is passed).
 */
export function ledgerParamOverrides(init: LedgerParamsInit): Record<string, unknown> | undefined {
  checkBlockTime(init.blockTimeMs);
  const overrides: Record<string, unknown> = {};
  const base = devnetParams;
  if ((init.scale ?? true) && init.blockTimeMs !== base.blockTimeMs) {
    const factor = base.blockTimeMs / init.blockTimeMs;
    for (const key of BLOCK_COUNTED_PARAMS) {
      overrides[key] = Math.max(1, Math.round(base[key] * factor));
    }
  }
  Object.assign(overrides, init.overrides ?? {});
  if (Object.keys(overrides).length === 0) return undefined;
  return { base: 'devnet', blockTimeMs: init.blockTimeMs, ...overrides };
}
