/**
 * `murmur-devnet wallet …`: creates wallet files and sends their transactions to a ledger, so
 * that staking happens for real: fund, transfer, register (co-signed by the node key),
 * contribute, unlock; and shows balances and nodes.
 *
 * Every refusal prints the ledger's reason, its message and a hint, and exits with 1.
 */
import { resolve } from 'node:path';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import {
  formatCoins,
  parseCoins,
  type Reservation,
  type TransactionResult,
} from '@murmur/registry';
import { createWalletFile, loadWalletFile, type Wallet } from '@murmur/registry/key-files';
import {
  type HttpLedgerSource,
  httpLedgerSource,
  type NodeResponse,
  type WalletResponse,
} from '@murmur/registry/ledger-http';
import { InvalidInputError } from '@murmur/wire';
import { UsageError } from '@murmur/wire/program';
import {
  type CommandIo,
  type CommandModule,
  type FlagValues,
  optionalInteger,
  parseFlags,
  wantsHelp,
} from '../cli/args.js';

import { DEFAULT_LEDGER_URL } from '../ledger/run.js';
import {
  contribute,
  registerNode,
  requestUnlock,
  sendTransfer,
  type WalletContext,
  waitForInclusion,
} from '../wallet/actions.js';
import { REJECTION_HINTS } from '../wallet/hints.js';
import { loadNodeKey, nodeKeyFromSeedHex } from '../wallet/node-key.js';

const USAGE = `Usage: murmur-devnet wallet <subcommand> [options]

Subcommands:
  create --out <file>                  make a new wallet file (mode 0600) and print its address
  address                              print the wallet's address
  balance [--address <hex>]            balance, locked stakes (with release heights), nonce
  faucet --amount <coins> [--to <hex>] mint coins from the devnet faucet (default: to this wallet)
  transfer --to <hex> --amount <coins> send coins
  register --node-key <file|dir> --stake <coins> --fee <bp|%> [--reserve <hex>:<coins> ...]
                                       register a node (its key co-signs); --node-seed <hex>
                                       instead of --node-key takes the node's seed directly
  contribute --node <hex> --amount <coins|min|rest>
                                       add stake to a node awaiting contributions
  unlock --node <hex>                  ask for the stake back (a node awaiting contributions:
                                       cancel (operator) or withdraw at once)
  node <hex>                           a node's status, contributors and history

Options of every subcommand:
  --ledger <url>    the ledger (default $MURMUR_LEDGER_URL or ${DEFAULT_LEDGER_URL})
  --wallet <file>   the wallet file (default $MURMUR_WALLET)
  --no-wait         do not wait for the transaction's block
  --timeout-ms <n>  how long to wait for it (default 30000)
  --json            print one JSON object instead of text
  -h, --help        this text

Amounts are in coins with up to 9 decimals ("25", "25.5"); fees in basis points ("1000") or
percent ("10%"). Exit codes: 0 done, 1 refused or failed, 2 usage error.
`;

const SUBCOMMANDS = new Set([
  'create',
  'address',
  'balance',
  'faucet',
  'transfer',
  'register',
  'contribute',
  'unlock',
  'node',
]);

const FLAGS = {
  ledger: { type: 'string' },
  wallet: { type: 'string' },
  out: { type: 'string' },
  address: { type: 'string' },
  to: { type: 'string' },
  amount: { type: 'string' },
  'node-key': { type: 'string' },
  'node-seed': { type: 'string' },
  node: { type: 'string' },
  stake: { type: 'string' },
  fee: { type: 'string' },
  reserve: { type: 'string', multiple: true },
  'no-wait': { type: 'boolean' },
  json: { type: 'boolean' },
  'timeout-ms': { type: 'string' },
} as const;

type Flags = FlagValues<typeof FLAGS>;

const HEX_KEY = /^[0-9a-f]{64}$/;

function hexKey(value: string | undefined, flag: string): string {
  if (value === undefined) throw new UsageError(`${flag} <64-hex key> is required`);
  const key = value.trim().toLowerCase();
  if (!HEX_KEY.test(key)) {
    throw new UsageError(`${flag} must be 64 hex characters (an Ed25519 public key)`);
  }
  return key;
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined) throw new UsageError(`${flag} is required`);
  return value;
}

function coins(value: string | undefined, flag: string): bigint {
  try {
    return parseCoins(required(value, flag), flag);
  } catch (error) {
    if (error instanceof InvalidInputError && !(error instanceof UsageError)) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

/** A fee as basis points: `1000`, or a percentage with up to two decimals (`10%`, `2.5%`). */
export function parseFee(text: string): number {
  const percent = /^(\d{1,3})(?:\.(\d{1,2}))?%$/.exec(text.trim());
  let basisPoints: number;
  if (percent !== null) {
    basisPoints = Number(percent[1]) * 100 + Number((percent[2] ?? '').padEnd(2, '0'));
  } else if (/^\d{1,5}$/.test(text.trim())) {
    basisPoints = Number(text.trim());
  } else {
    throw new UsageError(`--fee must be basis points (1000) or a percentage (10%), not ${text}`);
  }
  if (basisPoints > 10_000) throw new UsageError('--fee must be at most 10000 basis points (100%)');
  return basisPoints;
}

function parseReservation(text: string): Reservation {
  const match = /^([0-9a-fA-F]{64}):(.+)$/.exec(text.trim());
  if (match === null) {
    throw new UsageError(`--reserve must be <64-hex address>:<coins>, not ${JSON.stringify(text)}`);
  }
  return { address: (match[1] as string).toLowerCase(), amount: coins(match[2], '--reserve') };
}

function shortKey(key: string): string {
  return `${key.slice(0, 8)}…${key.slice(-4)}`;
}

/** Everything a subcommand needs, built lazily (crypto loads once, the wallet file on demand). */
class Session {
  readonly client: HttpLedgerSource;
  #crypto: MurmurCrypto | undefined;
  #wallet: Wallet | undefined;

  constructor(
    readonly flags: Flags,
    readonly io: CommandIo,
  ) {
    const url = flags.ledger ?? io.env.MURMUR_LEDGER_URL ?? DEFAULT_LEDGER_URL;
    this.client = httpLedgerSource({ url });
  }

  get json(): boolean {
    return this.flags.json === true;
  }

  async crypto(): Promise<MurmurCrypto> {
    this.#crypto ??= await loadCrypto();
    return this.#crypto;
  }

  walletPath(): string {
    const path = this.flags.wallet ?? this.io.env.MURMUR_WALLET;
    if (path === undefined) {
      throw new UsageError('--wallet <file> is required (or set MURMUR_WALLET)');
    }
    return resolve(path);
  }

  async wallet(): Promise<Wallet> {
    this.#wallet ??= loadWalletFile(await this.crypto(), this.walletPath());
    return this.#wallet;
  }

  async context(): Promise<WalletContext> {
    return { crypto: await this.crypto(), client: this.client, wallet: await this.wallet() };
  }

  print(text: string, json: unknown): void {
    this.io.stdout(
      this.json ? `${JSON.stringify(json)}\n` : text.endsWith('\n') ? text : `${text}\n`,
    );
  }

  /** Reports a transaction's outcome; waits for its block unless --no-wait. */
  async finish(
    what: string,
    result: TransactionResult,
    extra: Record<string, unknown> = {},
    after?: string,
  ): Promise<number> {
    if (!result.accepted) {
      const hint = REJECTION_HINTS[result.reason];
      if (this.json) {
        this.io.stdout(
          `${JSON.stringify({ accepted: false, reason: result.reason, message: result.message, hint, ...extra })}\n`,
        );
      } else {
        this.io.stderr(
          `${what} refused: ${result.reason}\n  ${result.message}\n  what to do: ${hint}\n`,
        );
      }
      return 1;
    }
    let height: number | undefined;
    if (this.flags['no-wait'] !== true) {
      const timeoutMs = optionalInteger(
        this.flags['timeout-ms'],
        '--timeout-ms',
        { min: 1, max: 3_600_000 },
        30_000,
      );
      height = await waitForInclusion(this.client, result.id, { timeoutMs });
    }
    const lines = [
      `${what} accepted: transaction ${result.id}`,
      height === undefined
        ? '  waiting in the mempool (--no-wait)'
        : `  included in block ${height}`,
    ];
    if (after !== undefined) lines.push(after);
    this.print(lines.join('\n'), { accepted: true, id: result.id, height, ...extra });
    return 0;
  }
}

function formatBalance(wallet: WalletResponse): string {
  const lines = [
    `address     ${wallet.address}`,
    `balance     ${formatCoins(wallet.balance)}`,
    `locked      ${formatCoins(wallet.locked)}${wallet.lockedEntries.length === 0 ? '' : ` (${wallet.lockedEntries.length} ${wallet.lockedEntries.length === 1 ? 'stake' : 'stakes'})`}`,
  ];
  for (const entry of wallet.lockedEntries) {
    const when =
      entry.kind === 'staked'
        ? 'staked (no unlock requested)'
        : entry.kind === 'unlocking'
          ? `unlocking: returns at height ${entry.releaseHeight}`
          : `deregistered: locked until height ${entry.releaseHeight}`;
    lines.push(
      `  ${formatCoins(entry.amount).padStart(12)}  node ${shortKey(entry.node)}  ${when}`,
    );
  }
  lines.push(`nonce       ${wallet.nonce} (next transaction: ${wallet.nextNonce})`);
  lines.push(`height      ${wallet.height}`);
  return lines.join('\n');
}

function formatNode(key: string, answer: NodeResponse): string {
  const lines = [`node        ${key}`];
  const { node } = answer;
  if (node === undefined) {
    const last = answer.history.at(-1);
    lines.push(`status      gone (${last?.type ?? 'unknown'} at height ${last?.height ?? '?'})`);
  } else {
    const swarm = node.status === 'active' ? ` in swarm ${node.swarmId}` : '';
    lines.push(`status      ${node.status}${swarm}`);
    lines.push(`operator    ${node.operator} (fee ${node.feeBasisPoints / 100}%)`);
    lines.push(`stake       ${formatCoins(node.stake)}`);
    if (answer.minimumContribution !== undefined || answer.openRoom !== undefined) {
      lines.push(
        `open room   ${formatCoins(answer.openRoom ?? '0')} (minimum contribution ${answer.minimumContribution === undefined ? 'none: every slot is taken' : formatCoins(answer.minimumContribution)})`,
      );
    }
    lines.push(
      `address     ${node.ip === undefined ? 'none yet (no uptime proof)' : `${node.ip} storage ${node.storagePort} relay ${node.relayPort}`}`,
    );
    lines.push(`credit      ${node.credit} blocks`);
    if (node.requestedUnlockHeight > 0)
      lines.push(`unlocks at  height ${node.requestedUnlockHeight}`);
    lines.push(`contributors (${node.contributors.length}):`);
    for (const [index, entry] of node.contributors.entries()) {
      const reserved =
        BigInt(entry.reserved) > 0n ? ` (reserved ${formatCoins(entry.reserved)})` : '';
      lines.push(
        `  ${entry.address}  ${formatCoins(entry.amount).padStart(10)}${reserved}${index === 0 ? '  operator' : ''}`,
      );
    }
  }
  lines.push('history:');
  for (const event of answer.history) {
    const parts = [`  ${String(event.height).padStart(6)}  ${event.type}`];
    if (event.address !== undefined) parts.push(shortKey(event.address));
    if (event.amount !== undefined) parts.push(formatCoins(event.amount));
    if (event.credit !== undefined) parts.push(`credit ${event.credit}`);
    if (event.reason !== undefined) parts.push(`(${event.reason})`);
    lines.push(parts.join('  '));
  }
  lines.push(`height      ${answer.height}`);
  return lines.join('\n');
}

async function create(session: Session): Promise<number> {
  const out = session.flags.out ?? session.flags.wallet;
  if (out === undefined) throw new UsageError('--out <file> is required');
  const path = resolve(out);
  const wallet = createWalletFile(await session.crypto(), path);
  session.print(`${wallet.address}\n`, { address: wallet.address, file: path });
  if (!session.json) {
    session.io.stderr(`wallet written to ${path} (mode 0600): keep it safe, it holds the key\n`);
  }
  return 0;
}

async function balance(session: Session): Promise<number> {
  const address =
    session.flags.address === undefined
      ? (await session.wallet()).address
      : hexKey(session.flags.address, '--address');
  const wallet = await session.client.getWallet(address);
  session.print(formatBalance(wallet), wallet);
  return 0;
}

async function faucet(session: Session): Promise<number> {
  const amount = coins(session.flags.amount, '--amount');
  const to =
    session.flags.to === undefined
      ? (await session.wallet()).address
      : hexKey(session.flags.to, '--to');
  const result = await session.client.requestFaucet(to, amount);
  return session.finish(`faucet ${formatCoins(amount)} to ${shortKey(to)}`, result, { to });
}

async function transfer(session: Session): Promise<number> {
  const to = hexKey(session.flags.to, '--to');
  const amount = coins(session.flags.amount, '--amount');
  const result = await sendTransfer(await session.context(), to, amount);
  return session.finish(`transfer ${formatCoins(amount)} to ${shortKey(to)}`, result, { to });
}

async function register(session: Session): Promise<number> {
  const { flags } = session;
  const crypto = await session.crypto();
  if ((flags['node-key'] === undefined) === (flags['node-seed'] === undefined)) {
    throw new UsageError('give exactly one of --node-key <file|dir> and --node-seed <hex>');
  }
  const nodeKey =
    flags['node-key'] !== undefined
      ? loadNodeKey(crypto, resolve(flags['node-key']))
      : nodeKeyFromSeedHex(crypto, flags['node-seed'] as string);
  const stake = coins(flags.stake, '--stake');
  const feeBasisPoints = parseFee(required(flags.fee, '--fee'));
  const reserved = (flags.reserve ?? []).map(parseReservation);
  const result = await registerNode(await session.context(), nodeKey, {
    stake,
    feeBasisPoints,
    reserved,
  });
  const { params } = await session.client.getGenesis();
  const reservedTotal = reserved.reduce((sum, spot) => sum + spot.amount, 0n);
  const after =
    stake >= params.stakingRequirement
      ? '  fully staked: the node is active from that block on; keep its uptime proofs coming (run murmur-node)'
      : [
          `  it becomes active when its stake reaches ${formatCoins(params.stakingRequirement)} (${formatCoins(params.stakingRequirement - stake - reservedTotal)} open, ${formatCoins(reservedTotal)} reserved)`,
          `  contributors join with: murmur-devnet wallet contribute --node ${result.node} --amount <coins>`,
        ].join('\n');
  return session.finish(
    `registration of node ${result.node}`,
    result,
    { node: result.node },
    after,
  );
}

async function contributeCommand(session: Session): Promise<number> {
  const node = hexKey(session.flags.node, '--node');
  const text = required(session.flags.amount, '--amount');
  let amount: bigint;
  if (text === 'min' || text === 'rest') {
    const answer = await session.client.getNode(node);
    const value = text === 'min' ? answer?.minimumContribution : answer?.openRoom;
    if (value === undefined) {
      throw new UsageError(
        `node ${node} is not awaiting contributions (see \`wallet node ${node}\`)`,
      );
    }
    amount = BigInt(value);
  } else {
    amount = coins(text, '--amount');
  }
  const result = await contribute(await session.context(), node, amount);
  return session.finish(`contribution of ${formatCoins(amount)} to ${shortKey(node)}`, result, {
    node,
    amount: amount.toString(),
  });
}

async function unlock(session: Session): Promise<number> {
  const node = hexKey(session.flags.node, '--node');
  const result = await requestUnlock(await session.context(), node);
  const code = await session.finish(`unlock request for ${shortKey(node)}`, result, { node });
  if (code === 0 && !session.json) {
    const answer = await session.client.getNode(node);
    const unlockHeight = answer?.node?.requestedUnlockHeight ?? 0;
    session.io.stdout(
      unlockHeight > 0
        ? `  the node exits and the stakes return at height ${unlockHeight}\n`
        : '  the stake is back in the balance\n',
    );
  }
  return code;
}

async function nodeCommand(session: Session, positionals: readonly string[]): Promise<number> {
  const key = hexKey(positionals[0] ?? session.flags.node, 'the node key');
  const answer = await session.client.getNode(key);
  if (answer === undefined) {
    if (session.json) session.io.stdout(`${JSON.stringify({ node: key, found: false })}\n`);
    else session.io.stderr(`node ${key} was never registered on this ledger\n`);
    return 1;
  }
  session.print(formatNode(key, answer), answer);
  return 0;
}

async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const [subcommand, ...rest] = argv;
  if (subcommand === undefined || subcommand === '--help' || subcommand === '-h') {
    io.stdout(USAGE);
    return subcommand === undefined ? 2 : 0;
  }
  if (!SUBCOMMANDS.has(subcommand)) {
    throw new UsageError(`unknown wallet subcommand ${JSON.stringify(subcommand)}`);
  }
  if (wantsHelp(rest)) {
    io.stdout(USAGE);
    return 0;
  }
  const { values, positionals } = parseFlags(rest, FLAGS, { positionals: subcommand === 'node' });
  const session = new Session(values, io);
  switch (subcommand) {
    case 'create':
      return create(session);
    case 'address': {
      const wallet = await session.wallet();
      session.print(wallet.address, { address: wallet.address });
      return 0;
    }
    case 'balance':
      return balance(session);
    case 'faucet':
      return faucet(session);
    case 'transfer':
      return transfer(session);
    case 'register':
      return register(session);
    case 'contribute':
      return contributeCommand(session);
    case 'unlock':
      return unlock(session);
    default:
      return nodeCommand(session, positionals);
  }
}

/** The `wallet` command. */
export const walletCommand: CommandModule = { usage: USAGE, run };
