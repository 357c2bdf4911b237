/**
 * `@murmur/desktop`: the desktop client's daemon (`startDaemon`), its API schemas
 * (`@murmur/desktop/schemas`) and the `murmur-desktop` program (`cli.ts`).
 */
export { type AccountManager, createAccountManager } from './accounts.js';
export { type Daemon, type DaemonComponents, type DaemonInit, startDaemon } from './daemon.js';
export { type DesktopsInit, type StartedDesktop, startDesktops } from './devnet-desktops.js';
export { checkDisappearing, timerChoices } from './disappearing.js';
export { createDesktopLogger, DESKTOP_REDACTED_PATHS } from './logger.js';
export {
  checkSeedUrl,
  type NetworkConfig,
  networkFromArgument,
  seedsFromDevnetFile,
} from './network.js';
export { createRequestGuard, EVENTS_PROTOCOL, TOKEN_PROTOCOL_PREFIX } from './security.js';
