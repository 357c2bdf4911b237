/**
 * The conditions every Murmur program (murmur-node, murmur-devnet, the launcher) shares, one
 * class and one code each, so that no program borrows a protocol code for them.
 */
import { MurmurError, type MurmurErrorOptions } from './errors.js';

/** A configuration value (flag, environment variable, config or state file) is not valid. */
export class ConfigError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('CONFIG_INVALID', message, {
      ...options,
      retryable: false,
      status: options.status ?? 400,
    });
  }
}

/** The command line is wrong (unknown command or flag, missing value): exit code 2. */
export class UsageError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('USAGE', message, { ...options, retryable: false, status: options.status ?? 400 });
  }
}
