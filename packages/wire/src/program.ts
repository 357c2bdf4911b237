/**
 * @packageDocumentation
 * `@murmur/wire/program`: what Murmur's programs (murmur-node, murmur-relay, murmur-devnet,
 * murmur-desktop, the tools) share around their command line and configuration: `ConfigError`
 * and `UsageError`, the one list of log levels, the paths every log redacts, and settings
 * resolved from flags, environment and file with their sources.
 */
export {
  ConfigError,
  UsageError,
} from './app-errors.js';
export {
  isLogLevel,
  LOG_LEVELS,
  type LogLevel,
  REDACTED_LOG_PATHS,
} from './log-levels.js';
export {
  LOG_LEVEL_SETTING,
  type ResolvedSettings,
  resolveSettings,
  type SettingKind,
  type SettingSource,
  type SettingSpec,
  type SettingsInputs,
  settingsDataDir,
} from './settings.js';
