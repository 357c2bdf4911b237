import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('the relay logger', () => {
  it('writes JSON lines and redacts anything that could hold a secret', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger('info', destination);
    logger.info(
      {
        seed: 'aa'.repeat(32),
        secretKey: 'bb',
        key: 'cc',
        keys: { ed25519: 'dd', x25519: 'ee' },
        link: { secretKey: 'ff', ed25519Seed: 'gg', privateKey: 'hh' },
        privateKey: 'ii',
        phrase: 'jj',
        req: { headers: { authorization: 'kk', cookie: 'll', host: 'relay' } },
        circuit: 7,
      },
      'hello',
    );
    const line = JSON.parse(lines.join('')) as Record<string, unknown>;
    expect(line).toMatchObject({
      app: 'murmur-relay',
      msg: 'hello',
      circuit: 7,
      seed: '[redacted]',
      secretKey: '[redacted]',
      key: '[redacted]',
      privateKey: '[redacted]',
      phrase: '[redacted]',
      link: { ed25519Seed: '[redacted]', privateKey: '[redacted]' },
      req: { headers: { authorization: '[redacted]', cookie: '[redacted]', host: 'relay' } },
    });
    expect(JSON.stringify(line)).not.toMatch(/aa{8}|"(bb|cc|dd|ee|ff|gg|hh|ii|jj|kk|ll)"/);
    expect(() => createLogger('loud', destination)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
