import { describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from './app-errors.js';
import { MurmurError } from './errors.js';

describe('the programs’ shared errors', () => {
  it('have codes of their own', () => {
    const config = new ConfigError('--port: must be a port number', { details: { field: 'port' } });
    expect(config).toBeInstanceOf(MurmurError);
    expect(config).toMatchObject({ name: 'ConfigError', code: 'CONFIG_INVALID', status: 400 });
    expect(config.details).toEqual({ field: 'port' });
    expect(new UsageError('unknown command')).toMatchObject({ name: 'UsageError', code: 'USAGE' });
  });
});
