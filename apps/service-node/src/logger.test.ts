import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('the node logger', () => {
  it('writes JSON lines and redacts anything that could be a secret', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ level: 'debug', destination, pretty: false });
    logger.info(
      {
        seed: 'aa',
        secretKey: 'bb',
        keys: { ed25519: 'cc', x25519: 'dd' },
        wallet: { seed: 'ee' },
        node: 'ff',
      },
      'hello',
    );
    logger.child({ component: 'x' }).debug({ ed25519Seed: '11' }, 'child');
    const [first, second] = lines.map((line) => JSON.parse(line));
    expect(first).toMatchObject({
      msg: 'hello',
      app: 'murmur-node',
      seed: '[redacted]',
      secretKey: '[redacted]',
      keys: { ed25519: '[redacted]', x25519: '[redacted]' },
      wallet: { seed: '[redacted]' },
      node: 'ff',
    });
    expect(second).toMatchObject({ component: 'x', ed25519Seed: '[redacted]' });
    expect(lines.join('')).not.toMatch(/"(aa|bb|cc|dd|ee|11)"/);
  });
});
