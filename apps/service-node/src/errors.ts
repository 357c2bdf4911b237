/**
 * Errors that belong to the node app itself (configuration and key files). Protocol conditions
 * use the classes of `@murmur/wire`.
 */
import { InvalidInputError, type MurmurErrorOptions } from '@murmur/wire';

/** A configuration value (flag, environment variable or config file entry) is not valid. */
export class ConfigError extends InvalidInputError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** The node's key file is missing, malformed or readable by others. */
export class KeyFileError extends InvalidInputError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super(message, options);
    this.name = 'KeyFileError';
  }
}
