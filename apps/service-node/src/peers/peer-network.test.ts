import { bytesToHex, RequestTimeoutError, utf8Decode, utf8Encode } from '@murmur/wire';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PeerLinkError } from '../errors.js';
import {
  createPeerHarness,
  HANG_GUARD_MS,
  metricValue,
  type PeerHarness,
  waitFor,
} from '../test-support/peer-harness.js';
import { handshakeTranscript, PEER_HEADERS, PEER_PATH } from './protocol.js';

let harness: PeerHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function echoOn(h: PeerHarness): void {
  for (const node of h.nodes) {
    node.peers.handle('onion', async (request) => ({
      status: 200,
      body: utf8Encode(
        `${node.keys.ed25519Hex.slice(0, 8)} got ${utf8Decode(request.body)} from ${request.peer.slice(0, 8)}`,
      ),
      contentType: 'text/plain',
    }));
  }
}

/** Opens a raw WebSocket to a node's peer path with the given headers. */
function rawDial(port: number, headers: Record<string, string>): WebSocket {
  return new WebSocket(`wss://127.0.0.1:${port}${PEER_PATH}`, {
    headers,
    rejectUnauthorized: false,
  });
}

function rawOutcome(
  ws: WebSocket,
): Promise<{ status?: number | undefined; code?: number; hello?: unknown }> {
  return new Promise((resolve) => {
    let hello: unknown;
    ws.on('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode });
      ws.terminate();
    });
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      hello = JSON.parse(data.toString());
    });
    ws.on('close', (code) => resolve({ code, hello }));
  });
}

describe('peer links', () => {
  it('authenticate both ways, then carry requests in both directions', async () => {
    harness = await createPeerHarness({ count: 2 });
    echoOn(harness);
    const [a, b] = harness.nodes as [(typeof harness.nodes)[0], (typeof harness.nodes)[0]];
    const answer = await a.peers.request(b.keys.ed25519Hex, { k: 'onion' }, utf8Encode('ping'), {
      timeoutMs: HANG_GUARD_MS,
    });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('text/plain');
    expect(utf8Decode(answer.body)).toBe(
      `${b.keys.ed25519Hex.slice(0, 8)} got ping from ${a.keys.ed25519Hex.slice(0, 8)}`,
    );
    // The same link carries the other direction.
    await waitFor(() => b.peers.link(a.keys.ed25519Hex) !== undefined);
    const back = await b.peers.request(a.keys.ed25519Hex, { k: 'onion' }, utf8Encode('pong'), {
      timeoutMs: HANG_GUARD_MS,
      connect: false,
    });
    expect(utf8Decode(back.body)).toContain('got pong');
    expect(a.peers.status()).toHaveLength(1);
    expect(b.peers.status()).toHaveLength(1);
    expect(await metricValue(a.metrics, 'murmur_peer_links', { state: 'open' })).toBe(1);
    expect(await metricValue(a.metrics, 'murmur_peer_frames_total', { direction: 'out' })).toBe(2);
  });

  it('answer 404 for a kind without a handler and pass a handler error as its status', async () => {
    harness = await createPeerHarness({ count: 2 });
    const [a, b] = harness.nodes as [(typeof harness.nodes)[0], (typeof harness.nodes)[0]];
    const missing = await a.peers.request(b.keys.ed25519Hex, { k: 'fetch' }, utf8Encode('{}'), {
      timeoutMs: HANG_GUARD_MS,
    });
    expect(missing.status).toBe(404);
    b.peers.handle('fetch', async () => {
      throw new PeerLinkError('nope', 'not-active', 'x');
    });
    const failed = await a.peers.request(b.keys.ed25519Hex, { k: 'fetch' }, utf8Encode('{}'), {
      timeoutMs: HANG_GUARD_MS,
    });
    expect(failed.status).toBe(502);
    expect(utf8Decode(failed.body)).toBe('nope');
  });

  it('time out a request the peer does not answer', async () => {
    harness = await createPeerHarness({ count: 2 });
    const [a, b] = harness.nodes as [(typeof harness.nodes)[0], (typeof harness.nodes)[0]];
    b.peers.handle('onion', () => new Promise(() => undefined));
    await expect(
      a.peers.request(b.keys.ed25519Hex, { k: 'onion' }, utf8Encode('x'), { timeoutMs: 200 }),
    ).rejects.toBeInstanceOf(RequestTimeoutError);
  });

  it('refuse, before the upgrade, a dialer that is not an active node in the listener’s view', async () => {
    harness = await createPeerHarness({ count: 2 });
    const [a, b] = harness.nodes as [(typeof harness.nodes)[0], (typeof harness.nodes)[0]];
    // b no longer lists a.
    b.network.setNodes([b.info]);
    const error = await a.peers
      .request(b.keys.ed25519Hex, { k: 'onion' }, utf8Encode('x'), { timeoutMs: HANG_GUARD_MS })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PeerLinkError);
    expect((error as PeerLinkError).failure).toBe('unreachable');
    expect(
      await metricValue(b.metrics, 'murmur_peer_handshake_failures_total', {
        reason: 'not-active',
      }),
    ).toBe(1);
    expect(
      await metricValue(a.metrics, 'murmur_peer_handshake_failures_total', {
        reason: 'refused-not-active',
      }),
    ).toBe(1);
  });

  it('refuse to dial a node that is not in this node’s view', async () => {
    harness = await createPeerHarness({ count: 2 });
    const [a] = harness.nodes as [(typeof harness.nodes)[0]];
    const error = await a.peers
      .request('ab'.repeat(32), { k: 'onion' }, utf8Encode('x'), { timeoutMs: HANG_GUARD_MS })
      .catch((caught: unknown) => caught);
    expect((error as PeerLinkError).failure).toBe('not-active');
  });

  it('refuse upgrades with a wrong target, a wrong version, or malformed headers', async () => {
    harness = await createPeerHarness({ count: 2 });
    const [a, b] = harness.nodes as [(typeof harness.nodes)[0], (typeof harness.nodes)[0]];
    const port = b.info.storagePort as number;
    const good = {
      [PEER_HEADERS.version]: '1',
      [PEER_HEADERS.key]: a.keys.ed25519Hex,
      [PEER_HEADERS.ephemeral]: '11'.repeat(32),
      [PEER_HEADERS.target]: b.keys.ed25519Hex,
    };
    expect(
      await rawOutcome(rawDial(port, { ...good, [PEER_HEADERS.target]: a.keys.ed25519Hex })),
    ).toEqual({ status: 404 });
    expect(await rawOutcome(rawDial(port, { ...good, [PEER_HEADERS.version]: '2' }))).toEqual({
      status: 426,
    });
    expect(await rawOutcome(rawDial(port, { ...good, [PEER_HEADERS.key]: 'zz' }))).toEqual({
      status: 400,
    });
    const other = new WebSocket(`wss://127.0.0.1:${port}/elsewhere`, { rejectUnauthorized: false });
    expect(await rawOutcome(other)).toEqual({ status: 404 });
  });

  it('refuse a dialer whose address is not the one registered for the key it claims', async () => {
    harness = await createPeerHarness({ count: 2 });
    const [a, b] = harness.nodes as [(typeof harness.nodes)[0], (typeof harness.nodes)[0]];
    // In b's view, a lives at 127.0.0.2; a dials from 127.0.0.1.
    b.network.setNodes([b.info, { ...a.info, ip: '127.0.0.2' }]);
    const headers = {
      [PEER_HEADERS.version]: '1',
      [PEER_HEADERS.key]: a.keys.ed25519Hex,
      [PEER_HEADERS.ephemeral]: '11'.repeat(32),
      [PEER_HEADERS.target]: b.keys.ed25519Hex,
    };
    const port = b.info.storagePort as number;
    expect(await rawOutcome(rawDial(port, headers))).toEqual({ status: 403 });
    expect(
      await metricValue(b.metrics, 'murmur_peer_handshake_failures_total', { reason: 'address' }),
    ).toBe(1);
    // From the registered address, the handshake starts (the listener says hello).
    const fromHome = new WebSocket(`wss://127.0.0.1:${port}${PEER_PATH}`, {
      headers,
      localAddress: '127.0.0.2',
      rejectUnauthorized: false,
    });
    const hello = await new Promise<unknown>((resolve) => {
      fromHome.on('message', (data) => resolve(JSON.parse(data.toString())));
      fromHome.on('unexpected-response', (_request, response) => resolve(response.statusCode));
      fromHome.on('error', () => undefined);
    });
    fromHome.terminate();
    expect(hello).toMatchObject({ t: 'hello' });
  });

  it('hold at most 4 unauthenticated handshakes per address, each for the short auth window', async () => {
    harness = await createPeerHarness({ count: 2, peerInit: { authTimeoutMs: 300 } });
    const [a, b] = harness.nodes as [(typeof harness.nodes)[0], (typeof harness.nodes)[0]];
    const port = b.info.storagePort as number;
    const headers = {
      [PEER_HEADERS.version]: '1',
      [PEER_HEADERS.key]: a.keys.ed25519Hex,
      [PEER_HEADERS.ephemeral]: '11'.repeat(32),
      [PEER_HEADERS.target]: b.keys.ed25519Hex,
    };
    // Stalled dialers: they never send `auth`.
    const stalled = [1, 2, 3, 4].map(() => rawOutcome(rawDial(port, headers)));
    await waitFor(
      async () =>
        (await metricValue(b.metrics, 'murmur_peer_links', { state: 'connecting' })) === 4,
    );
    expect(await rawOutcome(rawDial(port, headers))).toEqual({ status: 503 });
    expect(
      await metricValue(b.metrics, 'murmur_peer_handshake_failures_total', {
        reason: 'capacity-address',
      }),
    ).toBe(1);
    // They are cut off after the auth window; the real node then links.
    for (const outcome of await Promise.all(stalled)) expect(outcome.code).toBe(1006);
    expect(
      await metricValue(b.metrics, 'murmur_peer_handshake_failures_total', { reason: 'timeout' }),
    ).toBe(4);
    const answer = await a.peers.request(b.keys.ed25519Hex, { k: 'onion' }, utf8Encode('x'), {
      timeoutMs: HANG_GUARD_MS,
    });
    expect(answer.status).toBe(404);
  });

  it('close a dialer that cannot prove its key (a replayed or forged auth)', async () => {
    harness = await createPeerHarness({ count: 2 });
    const { crypto } = harness;
    const [a, b] = harness.nodes as [(typeof harness.nodes)[0], (typeof harness.nodes)[0]];
    // An attacker claims a's key, with its own ephemeral key, and signs with another key
    // (as a replayed signature from an earlier handshake would fail too: it covers another
    // listener ephemeral key).
    const ephemeral = crypto.x25519KeyPair();
    const ws = rawDial(b.info.storagePort as number, {
      [PEER_HEADERS.version]: '1',
      [PEER_HEADERS.key]: a.keys.ed25519Hex,
      [PEER_HEADERS.ephemeral]: bytesToHex(ephemeral.publicKey),
      [PEER_HEADERS.target]: b.keys.ed25519Hex,
    });
    const outcome = rawOutcome(ws);
    ws.on('message', (data) => {
      const hello = JSON.parse(data.toString()) as { ephemeral: string };
      const transcript = handshakeTranscript('dialer', {
        dialer: a.keys.ed25519.publicKey,
        listener: b.keys.ed25519.publicKey,
        dialerEphemeral: ephemeral.publicKey,
        listenerEphemeral: Buffer.from(hello.ephemeral, 'hex'),
      });
      const forged = crypto.sign(transcript, b.keys.ed25519.secretKey);
      ws.send(JSON.stringify({ t: 'auth', signature: Buffer.from(forged).toString('base64') }));
    });
    const result = await outcome;
    expect(result.code).toBe(1008);
    expect(result.hello).toMatchObject({ t: 'hello', key: b.keys.ed25519Hex });
    expect(
      await metricValue(b.metrics, 'murmur_peer_handshake_failures_total', {
        reason: 'bad-signature',
      }),
    ).toBe(1);
    expect(b.peers.status()).toHaveLength(0);
  });

  it('keep one link when both nodes dial at once', async () => {
    harness = await createPeerHarness({ count: 2 });
    echoOn(harness);
    const [a, b] = harness.nodes as [(typeof harness.nodes)[0], (typeof harness.nodes)[0]];
    const [one, two] = await Promise.all([
      a.peers.request(b.keys.ed25519Hex, { k: 'onion' }, utf8Encode('1'), {
        timeoutMs: HANG_GUARD_MS,
      }),
      b.peers.request(a.keys.ed25519Hex, { k: 'onion' }, utf8Encode('2'), {
        timeoutMs: HANG_GUARD_MS,
      }),
    ]);
    expect(one.status).toBe(200);
    expect(two.status).toBe(200);
    await waitFor(() => a.peers.status().length === 1 && b.peers.status().length === 1);
    const lower = a.keys.ed25519Hex < b.keys.ed25519Hex ? a : b;
    expect(lower.peers.status()[0]?.role).toBe('dialer');
  });

  it('keep links to the kept nodes, reconnecting after a peer restarts', async () => {
    harness = await createPeerHarness({ count: 3 });
    const [a, b, c] = harness.nodes as [
      (typeof harness.nodes)[0],
      (typeof harness.nodes)[0],
      (typeof harness.nodes)[0],
    ];
    const ups: string[] = [];
    a.peers.onLinkUp((peer) => ups.push(peer));
    for (const node of harness.nodes) {
      node.peers.keep(harness.nodes.map((other) => other.keys.ed25519Hex));
    }
    await waitFor(() => harness?.nodes.every((node) => node.peers.status().length === 2) ?? false);
    expect(new Set(ups)).toEqual(new Set([b.keys.ed25519Hex, c.keys.ed25519Hex]));
    // b drops every link; a and c dial it again.
    for (const link of b.peers.status()) b.peers.link(link.peer)?.terminate();
    await waitFor(() => ups.filter((peer) => peer === b.keys.ed25519Hex).length === 2);
    await waitFor(() => b.peers.status().filter((link) => link.state === 'open').length === 2);
  });

  it('close the links of a node that leaves the view', async () => {
    harness = await createPeerHarness({ count: 2 });
    echoOn(harness);
    const [a, b] = harness.nodes as [(typeof harness.nodes)[0], (typeof harness.nodes)[0]];
    await a.peers.request(b.keys.ed25519Hex, { k: 'onion' }, utf8Encode('x'), {
      timeoutMs: HANG_GUARD_MS,
    });
    a.network.setNodes([a.info]);
    await waitFor(() => a.peers.status().length === 0 && b.peers.status().length === 0);
  });

  it('close every link with 1001 on stop, and refuse requests afterwards', async () => {
    harness = await createPeerHarness({ count: 2 });
    echoOn(harness);
    const [a, b] = harness.nodes as [(typeof harness.nodes)[0], (typeof harness.nodes)[0]];
    await a.peers.request(b.keys.ed25519Hex, { k: 'onion' }, utf8Encode('x'), {
      timeoutMs: HANG_GUARD_MS,
    });
    const closed = new Promise<number>((resolve) => {
      const link = b.peers.link(a.keys.ed25519Hex);
      expect(link).toBeDefined();
      const check = setInterval(() => {
        if (b.peers.status().length === 0) {
          clearInterval(check);
          resolve(1001);
        }
      }, 5);
    });
    await a.peers.stop();
    expect(await closed).toBe(1001);
    const error = await a.peers
      .request(b.keys.ed25519Hex, { k: 'onion' }, utf8Encode('x'), { timeoutMs: HANG_GUARD_MS })
      .catch((caught: unknown) => caught);
    expect((error as PeerLinkError).failure).toBe('stopping');
  });
});
