import { describe, expect, it } from 'vitest';
import { createHttpOnionProxy } from './proxy.js';

describe('the exit proxy', () => {
  it('answers 400 "Invalid url" for a path Node cannot put on a request line (no throw, no 500)', async () => {
    const proxy = createHttpOnionProxy({ allowPrivateTargets: true });
    for (const target of ['/oxen/v4 x/lsrpc', '/oxen/v4\r\nX: 1\r\n/lsrpc']) {
      const reply = await proxy.forward({
        host: '127.0.0.1',
        port: 9,
        protocol: 'http',
        target,
        method: 'POST',
        body: new Uint8Array(1),
      });
      expect(reply).toEqual({ status: 400, body: 'Invalid url' });
    }
  });
});
