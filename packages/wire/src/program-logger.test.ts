import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from './app-errors.js';
import { REDACTED_LOG_PATHS } from './log-levels.js';
import { createProgramLogger, REDACTED_CENSOR, redactedPaths } from './program-logger.js';

function collector(): { lines: string[]; destination: Writable } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('createProgramLogger', () => {
  it('redacts every shared path, at the top and one level down, and the headers', () => {
    const { lines, destination } = collector();
    const logger = createProgramLogger({ app: 'murmur-test', destination });
    logger.info(
      {
        seed: 's1',
        secretKey: 's2',
        ed25519Seed: 's3',
        privateKey: 's4',
        key: 's5',
        phrase: 's6',
        wallet: {
          seed: 's7',
          secretKey: 's8',
          ed25519Seed: 's9',
          privateKey: 's10',
          phrase: 's11',
        },
        keys: { ed25519: 's12', x25519: 's13' },
        req: { headers: { authorization: 's14', cookie: 's15', host: 'h' } },
        node: 'public',
      },
      'hello',
    );
    const line = JSON.parse(lines.join('')) as Record<string, unknown>;
    expect(line).toMatchObject({
      app: 'murmur-test',
      msg: 'hello',
      node: 'public',
      seed: REDACTED_CENSOR,
      phrase: REDACTED_CENSOR,
      wallet: { ed25519Seed: REDACTED_CENSOR, privateKey: REDACTED_CENSOR },
      req: { headers: { authorization: REDACTED_CENSOR, cookie: REDACTED_CENSOR, host: 'h' } },
    });
    expect(lines.join('')).not.toMatch(/"s\d+"/);
  });

  it('adds a program’s own paths to the shared list', () => {
    expect(redactedPaths(['passphrase', 'seed'])).toEqual([...REDACTED_LOG_PATHS, 'passphrase']);
    const { lines, destination } = collector();
    createProgramLogger({ destination, redact: ['passphrase'] }).warn({ passphrase: 'p' }, 'x');
    expect(JSON.parse(lines.join(''))).toMatchObject({ passphrase: REDACTED_CENSOR, level: 40 });
  });

  it('honours the level and refuses one that is not in LOG_LEVELS', () => {
    const { lines, destination } = collector();
    const logger = createProgramLogger({ level: 'warn', destination });
    logger.info('dropped');
    logger.error('kept');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['kept']);
    expect(() => createProgramLogger({ level: 'verbose', destination })).toThrow(ConfigError);
    expect(() => createProgramLogger({ level: 'verbose', destination })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        details: { field: 'logLevel', value: 'verbose' },
      }),
    );
  });

  it('appends to a file, creating its directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'program-logger-'));
    dirs.push(dir);
    const file = join(dir, 'logs', 'p.log');
    createProgramLogger({ file, base: { service: 'ledger' } }).info({ seed: 'zz' }, 'one');
    createProgramLogger({ file }).info('two');
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toMatchObject([
      { msg: 'one', service: 'ledger', seed: REDACTED_CENSOR },
      { msg: 'two' },
    ]);
  });
});
