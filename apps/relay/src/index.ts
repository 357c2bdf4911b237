/**
 * @packageDocumentation
 * `murmur-relay`: the Murmur circuit relay (MCP v1). It runs beside `murmur-node` with the node's
 * identity, on the registered relay port: a WebSocket server for links (clients and relays),
 * `/health` and Prometheus `/metrics`, a ledger-following directory of who may link and be
 * extended to, and `@murmur/circuits`' relay core for everything a cell does.
 *
 * @example
 * ```sh
 * murmur-relay init --data-dir ~/.murmur-node --port 22022 --ledger-url http://ledger:38157
 * murmur-relay start --data-dir ~/.murmur-node
 * ```
 */
export { type CliIo, runCli } from './cli-main.js';
export { type RelayConfig, resolveConfig } from './config.js';
export {
  type DirectoryEntry,
  followerDirectory,
  ledgerDirectory,
  type RelayDirectoryService,
  staticDirectory,
} from './directory.js';
export { type NodeExitServiceOptions, nodeExitService } from './exit-service.js';
export { createLogger } from './logger.js';
export {
  createMonitorClient,
  type MonitorClient,
  type MonitorClientComponents,
  type MonitorClientInit,
  type MonitorNotification,
  type MonitorSink,
} from './monitor-client.js';
export {
  type RelayServerComponents,
  type RelayServerInit,
  type RunningRelay,
  startRelay,
} from './server.js';
