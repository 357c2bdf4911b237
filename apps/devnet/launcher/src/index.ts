/**
 * @packageDocumentation
 * `@murmur/testnet`: a whole local Murmur network of real processes — the devnet ledger and N
 * murmur-node service nodes, each in its own process group with its own log file — staked for
 * real through ledger transactions (faucet funding, registrations co-signed by the node keys,
 * pooled nodes filled by contributions). For the service node's and the client SDK's
 * end-to-end tests, and for `murmur-devnet up`.
 *
 * The programs it starts are input (`programs`: the built `murmur-devnet` and `murmur-node`);
 * tests take them from `MURMUR_LEDGER_CLI` and `MURMUR_NODE_CLI` ({@link programsFromEnvironment}).
 * Given `programs.relayCli` (`MURMUR_RELAY_CLI`), every node gets a `murmur-relay` beside it,
 * named `node-07/relay` for kill and restart.
 *
 * @example
 * ```ts
 * import { startTestnet } from '@murmur/testnet';
 *
 * const programs = { ledgerCli: '/path/to/murmur-devnet/dist/cli.js', nodeCli: '/path/to/murmur-node/dist/cli.js' };
 * const testnet = await startTestnet({ dir: '/tmp/my-testnet', nodes: 7, blockTimeMs: 250, fresh: true, programs });
 * try {
 *   console.log(testnet.describe().nodes.map((node) => `${node.name} ${node.url}`));
 *   await testnet.kill('node-03');             // SIGKILL to its process group
 *   await testnet.startNode('node-03');        // same data directory and ports; waits for /health
 *   const added = await testnet.addNode();     // init, fund, register, start
 *   await testnet.waitForActive([added.name]);
 * } finally {
 *   await testnet.stop();                      // every process it started, nothing else
 * }
 * ```
 */
export {
  checkPrograms,
  PROGRAM_VARIABLES,
  type ProgramEnvironment,
  programOverridesFromEnvironment,
  programsFromEnvironment,
  type TestnetPrograms,
} from './cli-paths.js';
export {
  MissingBuildError,
  PortInUseError,
  ProcessExitedError,
  TestnetBusyError,
  TestnetTimeoutError,
  TransactionRefusedError,
  UnknownProcessError,
} from './errors.js';
export { writeJsonFileAtomic } from './json-file.js';
export {
  type RelayHealth,
  relayHealth,
  relayName,
  relayNodeName,
  relayUrl,
} from './launch/relay-process.js';
export {
  MANIFEST_FILE_NAME,
  type ManifestNode,
  nodeName,
  readManifest,
  type TestnetLayout,
  type TestnetManifest,
  testnetLayout,
} from './manifest.js';
export {
  basePortLayout,
  findFreePorts,
  isPortFree,
  type NodePorts,
  nodeAddress,
} from './ports.js';
export { logTail } from './processes/managed-process.js';
export {
  PIDS_FILE_NAME,
  type PidsFile,
  pidsFilePath,
  type RecordedProcess,
  readPidsFile,
  runningRecordedProcesses,
} from './processes/pids-file.js';
export { describePortHolder, processesAlive, processGroupAlive } from './processes/proc.js';
export { stopTestnetProcesses } from './processes/process-table.js';
export {
  TESTNET_STEPS,
  type TestnetProgress,
  type TestnetStep,
  type TestnetTimings,
} from './progress.js';
export {
  isPooled,
  operatorPercent,
  type StakingPlan,
  stakingPlan,
} from './staking/staking-plan.js';
export { openTestnet, startTestnet } from './start.js';
export type {
  AddNodeOptions,
  CreatedWallet,
  NodeHealth,
  OpenTestnetOptions,
  StartNodeOptions,
  Testnet,
  TestnetDescription,
  TestnetLedger,
  TestnetNode,
  TestnetOptions,
  TestnetProcessInfo,
  TestnetRelay,
  WaitOptions,
} from './types.js';
