/**
 * What to do about each rejection reason, in one sentence, for the wallet's error output (and
 * the same text as docs/STAKING.md's table).
 */
import type { RejectionReason } from '@murmur/registry';

/** A hint for every stable rejection reason. */
export const REJECTION_HINTS: Readonly<Record<RejectionReason, string>> = Object.freeze({
  malformed:
    'the transaction does not match its schema or is for another chain: check the addresses (64 lower-case hex) and amounts, and that --ledger is the chain you mean',
  'bad-signature':
    'a signature does not verify: the wallet (or node key) is not the one the transaction names, or it was signed for another chain',
  'bad-nonce':
    'the nonce is not the next one: the same transaction was already included (a replay), or another transaction from this wallet went first; send it again to sign with a fresh nonce',
  'insufficient-funds':
    'the balance is too small: check `wallet balance` (staked coins are locked, not spendable) and fund the wallet first',
  'invalid-amount': 'the amount must be positive (and a faucet request at most the faucet limit)',
  'faucet-disabled': "this chain's parameter set turns the faucet off: get coins by a transfer",
  'not-authorised':
    'this wallet has no right to do this: only a contributor with a stake in the node can unlock it',
  'already-registered':
    'this node key is already registered: check it with `wallet node <key>`, or use a new node key',
  'operator-stake-too-low':
    'the operator must stake at least the minimum (25% of the requirement): raise --stake',
  'invalid-fee': 'the fee is in basis points from 0 to 10000 (10% = 1000)',
  'invalid-reservation':
    'reserved spots must be distinct, exclude the operator, be positive, and fit within the requirement (all spots reserved must fill it)',
  'over-requirement':
    'the stake would exceed the requirement: contribute at most the open room shown by `wallet node <key>`',
  'below-minimum-contribution':
    'a contribution must be at least the open room divided by the open slots (or the rest of your reservation): see the minimum in `wallet node <key>`',
  'too-many-contributors':
    'every contributor slot of this node is taken: contribute to another node',
  'unknown-node': 'no registered node has this key: check it with `wallet node <key>`',
  'invalid-node-state':
    'the node is not in a state that allows this (for example it is already active and takes no more contributions)',
  'stale-uptime-proof': 'a newer uptime proof of this node was already accepted (a replay?)',
  'uptime-proof-too-soon': 'uptime proofs must be spaced by the minimum gap: wait and send again',
  'bad-timestamp':
    "the proof's timestamp is too far from the ledger's clock: check the node's clock",
  'invalid-address':
    'the uptime proof carries an address that is not a usable IPv4 (a public one on chains that require it)',
  'invalid-state-change': "the change does not apply to the node's current status",
  'already-unlocking':
    'an unlock was already requested for this node: it exits at the height shown',
});
