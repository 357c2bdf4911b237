/**
 * @packageDocumentation
 * murmur-devnet: the devnet ledger, wallet and launcher for a whole local Murmur network.
 *
 * The ledger is a block producer over `@murmur/registry`'s rules, durable in SQLite, with an
 * HTTP API, a WebSocket block feed and the Session-style seed endpoint. The wallet creates key
 * files and sends staking transactions. `murmur-devnet up` starts a whole network (the ledger
 * and N service nodes registered for real) and writes `devnet.json`, which
 * {@link readDevnetFile} reads for clients and tests. All are commands of the `murmur-devnet`
 * executable and, for launchers and tests, functions:
 *
 * @example
 * ```ts
 * import { loadCrypto } from '@murmur/crypto';
 * import { startLedger, waitForInclusion } from '@murmur/devnet';
 * import { httpLedgerSource } from '@murmur/registry/ledger-http';
 * import { createWalletFile } from '@murmur/registry/key-files';
 *
 * const crypto = await loadCrypto();
 * const ledger = await startLedger({ dir: '/tmp/chain', port: 0 }, { crypto });
 * const client = httpLedgerSource({ url: ledger.url }); // every route of the ledger, checked
 * const wallet = createWalletFile(crypto, '/tmp/alice.json');
 * const funded = await client.requestFaucet(wallet.address, 50n * 10n ** 9n);
 * if (funded.accepted) await waitForInclusion(client, funded.id);
 * await ledger.close();
 * ```
 */

/** A wallet, authority or node key file is missing, malformed or readable by others. */
export { KeyFileError } from '@murmur/registry/key-files';
export type { CommandIo, CommandModule } from './cli/args.js';
export { runCli } from './cli/dispatch.js';
export { COMMANDS, type CommandEntry } from './commands/index.js';
export { DevnetBusyError, LedgerStoreError, NoDevnetError } from './errors.js';
export {
  buildDevnetFile,
  DEVNET_FILE_NAME,
  type DevnetFile,
  type DevnetFileInput,
  type DevnetFileNode,
  type DevnetFileSwarm,
  devnetFilePath,
  parseDevnetFile,
  readDevnetFile,
} from './launcher/devnet-file.js';
export {
  LAUNCHER_FILE_NAME,
  type LauncherRecord,
  readLauncherRecord,
  runningLauncher,
} from './launcher/launcher-file.js';
export { binOf, devnetPrograms } from './launcher/programs.js';
export { runUp, UP_DEFAULTS, type UpComponents, type UpOptions } from './launcher/run-up.js';
export {
  type CollectStatusInit,
  collectStatus,
  type DevnetStatus,
  type ProcessStatus,
} from './launcher/status.js';
export { attachFeed, type Feed, type FeedComponents, type FeedInit } from './ledger/feed.js';
export {
  AUTHORITY_FILE_NAME,
  type AuthorityFile,
  createGenesisConfig,
  type GenesisInit,
  loadAuthorityFile,
  type ParamsOptions,
  resolveLedgerParams,
} from './ledger/genesis.js';
export {
  type CommittedBlock,
  type DevnetLedger,
  type DevnetLedgerComponents,
  type DevnetLedgerInit,
  openDevnetLedger,
  type SubmitOutcome,
  type TransactionStatus,
} from './ledger/ledger.js';
export { createLedgerMetrics, type LedgerMetrics } from './ledger/metrics.js';
export {
  type BlockProducer,
  type BlockProducerComponents,
  type BlockProducerInit,
  createBlockProducer,
} from './ledger/producer.js';
export {
  createResumeHold,
  DEFAULT_RESUME_GRACE_MS,
  type ResumeHoldComponents,
  type ResumeHoldInit,
} from './ledger/resume-hold.js';
export {
  DEFAULT_LEDGER_HOST,
  DEFAULT_LEDGER_PORT,
  DEFAULT_LEDGER_URL,
  LEDGER_DATABASE_FILE,
  type RunningLedger,
  type StartLedgerComponents,
  type StartLedgerInit,
  startLedger,
} from './ledger/run.js';
export { answerSeedRequest, type SeedAnswer, serviceNodesResult } from './ledger/seed.js';
export {
  createLedgerApp,
  DEFAULT_BODY_LIMIT,
  type LedgerAppComponents,
  type LedgerAppInit,
} from './ledger/server.js';
export { type LedgerStore, openLedgerStore, type StoredMempoolEntry } from './ledger/store.js';
export { createProcessLogger, type ProcessLoggerInit } from './logger.js';
export {
  assertAccepted,
  contribute,
  type RegisterInit,
  registerNode,
  requestUnlock,
  type SendOptions,
  sendTransfer,
  TransactionRefusedError,
  type WalletContext,
  waitForInclusion,
} from './wallet/actions.js';
export { REJECTION_HINTS } from './wallet/hints.js';
export { loadNodeKey, nodeKeyFromSeedHex } from './wallet/node-key.js';
