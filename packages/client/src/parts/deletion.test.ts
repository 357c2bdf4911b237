import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { bytesToHex, UpstreamFailedError } from '@murmur/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RequestOptions, SwarmRequest, Transport } from '../transport.js';
import { createDeleter } from './deletion.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

function fakeTransport(fail?: (call: number) => boolean) {
  const calls: { request: SwarmRequest<unknown>; options: RequestOptions | undefined }[] = [];
  const transport: Pick<Transport, 'swarmRequest'> = {
    async swarmRequest<T>(request: SwarmRequest<T>, options?: RequestOptions) {
      calls.push({ request: request as SwarmRequest<unknown>, options });
      if (fail?.(calls.length)) throw new UpstreamFailedError('swarm down');
      return { value: undefined as T, node: {} as never };
    },
  };
  return { transport, calls };
}

describe('deleter', () => {
  it('sends signed delete requests of at most 1,000 hashes, in order, on the lifecycle signal', async () => {
    const self = crypto.generateIdentity();
    const { transport, calls } = fakeTransport();
    const controller = new AbortController();
    const remove = createDeleter({ crypto, transport, signal: () => controller.signal });
    const hashes = Array.from({ length: 2_345 }, (_, i) => `hash${i}`);
    await remove(self, hashes);
    expect(
      calls.map((call) => (call.request.params(0) as { messages: string[] }).messages.length),
    ).toEqual([1_000, 1_000, 345]);
    expect(
      calls.flatMap((call) => (call.request.params(0) as { messages: string[] }).messages),
    ).toEqual(hashes);
    for (const { request, options } of calls) {
      expect(request.method).toBe('delete');
      expect(request.pubkey).toBe(self.sessionId);
      expect(options?.signal).toBe(controller.signal);
      const params = request.params(0) as {
        pubkey: string;
        pubkey_ed25519: string;
        messages: string[];
        signature: string;
      };
      expect(params.pubkey).toBe(self.sessionId);
      expect(params.pubkey_ed25519).toBe(bytesToHex(self.ed25519.publicKey));
      expect(
        crypto.verifyRequest(
          'delete',
          { messages: params.messages },
          params.signature,
          self.ed25519.publicKey,
        ),
      ).toBe(true);
    }
  });

  it('sends nothing for no hashes, and stops at the first failed batch', async () => {
    const self = crypto.generateIdentity();
    const none = fakeTransport();
    await createDeleter({
      crypto,
      transport: none.transport,
      signal: () => new AbortController().signal,
    })(self, []);
    expect(none.calls).toHaveLength(0);

    const failing = fakeTransport((call) => call === 1);
    const remove = createDeleter({
      crypto,
      transport: failing.transport,
      signal: () => new AbortController().signal,
    });
    await expect(
      remove(
        self,
        Array.from({ length: 1_500 }, (_, i) => `h${i}`),
      ),
    ).rejects.toBeInstanceOf(UpstreamFailedError);
    expect(failing.calls).toHaveLength(1);
  });
});
