/**
 * Real-time delivery through relay circuits on the devnet that `murmur-devnet up` started in the
 * global setup (real ledger, murmur-node and murmur-relay processes; issue 12): both clients
 * online, messages arrive over circuits (the delivery path is asserted, not the time); kill -9
 * of the guard, the middle and then the exit of a live circuit: the client rebuilds and no
 * message is lost; rotation with messages in flight: no loss, no duplicates; a subscription with
 * an 11-minute-old or a wrong signature is refused by the exit's node. What a relay refuses cell
 * by cell (tampered, replayed, wrong-length cells, EXTEND refusals, CREATE floods, unregistered
 * relay links) is tested against murmur-relay processes in apps/relay/test/process.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CellSink,
  type CircuitRelay,
  createCircuitBuilder,
  monitorSignatureMessage,
  PLAIN_LINK_EXPORTER,
} from '@murmur/circuits';
import {
  type Cell,
  createHopLayer,
  DestroyReason,
  decodeCell,
  decodeExtended,
  decodeRelayPayload,
  encodeCell,
  encodeExtend,
  encodeRelayPayload,
  type HopLayer,
  ntorClientFinish,
  ntorClientStart,
  openBackward,
  RelayCommand,
  sealForward,
  signLinkAuth,
} from '@murmur/circuits/relay';
import {
  type CircuitPushEvent,
  type ClientPushInit,
  createClient,
  createMemoryStorage,
  type MurmurClient,
} from '@murmur/client';
import { type Identity, loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { createStyles } from '@murmur/terminal';
import { bytesToHex, hexToBytes, sleep } from '@murmur/wire';
import { createNodeFetch } from '@murmur/wire/node';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { WebSocket } from 'ws';
import { runDemo } from '../../../src/launcher/demo.js';
import { demoBootstrapOf } from '../../../src/launcher/demo-bootstrap.js';
import { type DevnetFile, readDevnetFile } from '../../../src/launcher/devnet-file.js';
import { runCli } from '../launcher-support.js';

const nodeFetch = createNodeFetch({ keepAlive: false });
const dir = inject('devnetDir');
const WAIT_MS = 90_000;

let crypto: MurmurCrypto;
let devnet: DevnetFile;
const clients: MurmurClient[] = [];

function watchFailure(): void {
  onTestFailed(() => {
    writeFileSync(inject('failedMarker'), 'failed\n');
    console.error(`circuits e2e failed: logs in ${devnet.logsDir}`);
  });
}

/** A client with its circuit push source on (the devnet's relays speak ws). */
function client(identity: Identity, push: ClientPushInit = {}): MurmurClient {
  const made = createClient(
    {
      seeds: [devnet.seed.url],
      identity,
      pollIntervalMs: 500,
      // The safety poll: rare, so that what arrives came over the circuit or by a catch-up.
      pushPollIntervalMs: 10 * 60_000,
      push: { relayScheme: 'ws', retryMinMs: 200, retryMaxMs: 2_000, ...push },
      outbox: { initialBackoffMs: 200, maxBackoffMs: 2_000 },
      paths: { retryInitialMs: 200, retryMaxMs: 2_000 },
    },
    {
      crypto,
      storage: createMemoryStorage(),
      fetch: nodeFetch,
      webSocket: (url) => new WebSocket(url, { maxPayload: 2048 }),
    },
  );
  clients.push(made);
  return made;
}

interface Watched {
  client: MurmurClient;
  /** Message ID → delivery paths, one per `message` event. */
  arrivals: Map<string, string[]>;
  circuits: CircuitPushEvent[];
}

async function online(identity: Identity, push: ClientPushInit = {}): Promise<Watched> {
  const made = client(identity, push);
  const arrivals = new Map<string, string[]>();
  const circuits: CircuitPushEvent[] = [];
  made.on('message', (message) => {
    arrivals.set(message.id, [...(arrivals.get(message.id) ?? []), message.via]);
  });
  made.on('circuit', (event) => circuits.push(event));
  await made.start();
  await made.whenReady({ signal: AbortSignal.timeout(WAIT_MS) });
  await until(() => made.health().pushConnected || undefined, 'a subscribed circuit');
  return { client: made, arrivals, circuits };
}

async function until<T>(check: () => Promise<T | undefined> | T | undefined, what: string) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** The path (guard, middle, exit keys) of the circuit in use, from the last `up` event. */
function livePath(watched: Watched): [string, string, string] {
  const last = watched.circuits.at(-1);
  if (last?.state !== 'up') throw new Error('no circuit is up');
  return last.path;
}

function nodeByKey(key: string): DevnetFile['nodes'][number] {
  const node = devnet.nodes.find((entry) => entry.ed25519 === key);
  if (node === undefined) throw new Error(`no node ${key}`);
  return node;
}

/** Sends `count` messages and waits until each is stored on the recipient's swarm. */
async function send(from: MurmurClient, to: MurmurClient, count: number, label: string) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { id } = await from.sendMessage(to.sessionId as string, `${label} ${i}`);
    ids.push(id);
  }
  return storedHashes(from, ids);
}

/**
 * Waits until each sent message is stored; resolves their storage hashes, which is what the
 * recipient sees as their IDs (a first message to a contact is held while their forward-secrecy
 * keys are fetched, so its local ID is not its hash).
 */
async function storedHashes(from: MurmurClient, ids: readonly string[]): Promise<string[]> {
  const hashes: string[] = [];
  for (const id of ids) {
    hashes.push((await from.waitForDelivery(id, { signal: AbortSignal.timeout(WAIT_MS) })).hash);
  }
  return hashes;
}

beforeAll(async () => {
  crypto = await loadCrypto();
  devnet = readDevnetFile(dir) as DevnetFile;
});

afterAll(async () => {
  for (const made of clients) await made.stop().catch(() => undefined);
  nodeFetch.close();
});

describe('real-time delivery through relay circuits on the devnet', () => {
  let alice: Watched;
  let bob: Watched;

  it('lists a relay beside every node in devnet.json, and status shows them', async () => {
    watchFailure();
    for (const node of devnet.nodes) {
      expect(node.relay.name).toBe(`${node.name}/relay`);
      expect(node.relay.url).toBe(`ws://${node.ip}:${node.relayPort}/`);
    }
    const status = await runCli(['status', '--dir', dir]);
    expect(status.code).toBe(0);
    for (const node of devnet.nodes) expect(status.stdout).toContain(node.relay.url);
  });

  it('both clients online: every message arrives over a circuit', async () => {
    watchFailure();
    alice = await online(crypto.generateIdentity());
    bob = await online(crypto.generateIdentity());
    // The exit of each circuit is a member of the account's own swarm.
    for (const watched of [alice, bob]) {
      const exit = nodeByKey(livePath(watched)[2]);
      const account = devnet.swarms.find((swarm) => swarm.members.includes(exit.ed25519));
      expect(account).toBeDefined();
    }
    const toBob = await send(alice.client, bob.client, 5, 'to bob');
    const toAlice = await send(bob.client, alice.client, 5, 'to alice');
    await until(
      () => (toBob.every((id) => bob.arrivals.has(id)) ? true : undefined),
      'the messages to Bob',
    );
    await until(
      () => (toAlice.every((id) => alice.arrivals.has(id)) ? true : undefined),
      'the messages to Alice',
    );
    for (const id of toBob) expect(bob.arrivals.get(id)).toEqual(['circuit']);
    for (const id of toAlice) expect(alice.arrivals.get(id)).toEqual(['circuit']);
  });

  for (const [hop, position] of [
    ['guard', 0],
    ['middle', 1],
    ['exit', 2],
  ] as const) {
    it(`kill -9 of the ${hop} of a live circuit: the client rebuilds and no message is lost`, async () => {
      watchFailure();
      const before = bob.circuits.length;
      const victim = nodeByKey(livePath(bob)[position]);
      const killed = await runCli(['kill', victim.relay.name, '--dir', dir]);
      expect(killed.code, killed.stderr).toBe(0);
      // Messages sent while the circuit is down or being rebuilt.
      const ids = await send(alice.client, bob.client, 4, `during the ${hop} kill`);
      await until(
        () => (bob.circuits.slice(before).some((event) => event.state === 'up') ? true : undefined),
        'a rebuilt circuit',
      );
      expect(bob.circuits.slice(before).map((event) => event.state)[0]).toBe('down');
      const rebuilt = livePath(bob);
      expect(rebuilt).not.toContain(victim.ed25519);
      // More after the rebuild.
      ids.push(...(await send(alice.client, bob.client, 2, `after the ${hop} kill`)));
      await until(
        () => (ids.every((id) => bob.arrivals.has(id)) ? true : undefined),
        `every message after the ${hop} kill`,
      );
      for (const id of ids) expect(bob.arrivals.get(id)).toHaveLength(1);
      const restarted = await runCli(['restart', victim.relay.name, '--dir', dir]);
      expect(restarted.code, restarted.stderr).toBe(0);
    });
  }

  it('rotation (make-before-break) with messages in flight: no loss, no duplicates', async () => {
    watchFailure();
    const carol = await online(crypto.generateIdentity(), {
      rotateMinMs: 1_500,
      rotateMaxMs: 2_500,
    });
    const ids: string[] = [];
    const started = Date.now();
    // About three rotations while messages keep coming.
    while (
      carol.circuits.filter((event) => event.state === 'up' && event.rotated).length < 3 &&
      Date.now() - started < WAIT_MS
    ) {
      const { id } = await alice.client.sendMessage(
        carol.client.sessionId as string,
        `in flight ${ids.length}`,
      );
      ids.push(id);
      await sleep(150);
    }
    expect(carol.circuits.filter((event) => event.state === 'up' && event.rotated).length).toBe(3);
    const hashes = await storedHashes(alice.client, ids);
    await until(
      () => (hashes.every((hash) => carol.arrivals.has(hash)) ? true : undefined),
      'every message sent across the rotations',
    );
    // Each message announced exactly once, though both circuits were subscribed for a moment.
    for (const hash of hashes) expect(carol.arrivals.get(hash)).toHaveLength(1);
    expect(carol.circuits.some((event) => event.state === 'down')).toBe(false);
  });

  it("refuses a subscription signed 11 minutes ago, or with a wrong signature, at the exit's node", async () => {
    watchFailure();
    const user = crypto.generateIdentity();
    const relays: CircuitRelay[] = devnet.nodes.map((node) => ({
      ed25519: node.ed25519,
      x25519: node.x25519,
      ip: node.ip,
      port: node.relayPort,
    }));
    const builder = createCircuitBuilder(
      {},
      {
        crypto,
        connect: (relay, sink: CellSink) =>
          new Promise((resolve, reject) => {
            const socket = new WebSocket(`ws://${relay.ip}:${relay.port}/`);
            socket.binaryType = 'nodebuffer';
            socket.on('message', (data: Buffer) => sink.receive(new Uint8Array(data)));
            socket.on('close', () => sink.closed());
            socket.once('error', reject);
            socket.once('open', () =>
              resolve({ send: (cell) => socket.send(cell), close: () => socket.close() }),
            );
          }),
      },
    );
    try {
      // The exit must be in the user's swarm: ask the devnet's nodes which one that is.
      const account = Buffer.from(user.sessionId, 'hex');
      const swarmAnswer = await nodeFetch(`${devnet.nodes[0]?.url}/storage_rpc/v1`, {
        method: 'POST',
        body: JSON.stringify({ method: 'get_swarm', params: { pubkey: user.sessionId } }),
      });
      const members = (
        (await swarmAnswer.json()) as { snodes: { pubkey_ed25519: string }[] }
      ).snodes.map((member) => member.pubkey_ed25519);
      const path = builder.pickPath({
        guards: relays,
        relays,
        exits: relays.filter((relay) => members.includes(relay.ed25519)),
      });
      const circuit = await builder.build(path);
      const sign = (timestamp: number, namespaces: number[]) =>
        crypto.sign(
          monitorSignatureMessage(account, timestamp, namespaces, circuit.exitEd25519),
          user.ed25519.secretKey,
        );
      const now = Math.floor(Date.now() / 1000);
      const old = now - 11 * 60;
      expect(
        await circuit.subscribe({
          ed25519: user.ed25519.publicKey,
          namespaces: [0],
          timestamp: old,
          signature: sign(old, [0]),
        }),
      ).toMatchObject({ success: false, errcode: 4 });
      expect(
        await circuit.subscribe({
          ed25519: user.ed25519.publicKey,
          namespaces: [0],
          timestamp: now,
          signature: sign(now, [1]),
        }),
      ).toMatchObject({ success: false, errcode: 5 });
      // The same circuit still subscribes with a fresh, right signature.
      expect(
        await circuit.subscribe({
          ed25519: user.ed25519.publicKey,
          namespaces: [0],
          timestamp: now,
          signature: sign(now, [0]),
        }),
      ).toEqual({ success: true });
    } finally {
      builder.close();
    }
  });
});

/** A relay of the devnet as a circuit hop. */
function relayOf(node: DevnetFile['nodes'][number]): CircuitRelay {
  return { ed25519: node.ed25519, x25519: node.x25519, ip: node.ip, port: node.relayPort };
}

/** A metric's value from a devnet relay's /metrics (0 when absent). */
async function relayMetric(relay: CircuitRelay, line: string): Promise<number> {
  const text = await (await nodeFetch(`http://${relay.ip}:${relay.port}/metrics`)).text();
  const found = text.split('\n').find((entry) => entry.startsWith(`${line} `));
  return found === undefined ? 0 : Number(found.slice(line.length + 1));
}

/** A WebSocket to a devnet relay that collects the cells it receives. */
async function openLink(relay: CircuitRelay) {
  const socket = new WebSocket(`ws://${relay.ip}:${relay.port}/`, { maxPayload: 2048 });
  socket.binaryType = 'nodebuffer';
  const cells: Cell[] = [];
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('message', (data: Buffer) => cells.push(decodeCell(new Uint8Array(data))));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const next = () => until(() => cells.shift(), 'a cell from the relay');
  return { socket, cells, closed, next };
}

/**
 * A relay link opened as relay `identity` would (HELLO, then AUTH signed with its key): the
 * responder's AUTH when it accepts the link, `closed` when it refuses it.
 */
async function relayLinkAs(identity: Identity, target: CircuitRelay) {
  const link = await openLink(target);
  const nonce = crypto.randomBytes(32);
  link.socket.send(encodeCell({ type: 'HELLO', circId: 0, version: 1, nonce }));
  const hello = await link.next();
  if (hello.type !== 'HELLO') throw new Error(`expected HELLO, got ${hello.type}`);
  const signature = signLinkAuth(crypto, identity.ed25519.secretKey, {
    role: 'I',
    initiatorNonce: nonce,
    responderNonce: hello.nonce,
    initiatorEd25519: identity.ed25519.publicKey,
    responderEd25519: hexToBytes(target.ed25519),
    exporter: PLAIN_LINK_EXPORTER,
  });
  link.socket.send(
    encodeCell({ type: 'AUTH', circId: 0, ed25519: identity.ed25519.publicKey, signature }),
  );
  const answer = await Promise.race([
    link.next().then((cell) => cell.type),
    link.closed.then(() => 'closed' as const),
  ]);
  link.socket.close();
  return answer;
}

/** A client that speaks cells itself: CREATE to `guard`, then EXTENDs to any keys it is given. */
async function rawCircuit(guard: CircuitRelay) {
  const link = await openLink(guard);
  link.socket.send(encodeCell({ type: 'HELLO', circId: 0, version: 1, nonce: new Uint8Array(32) }));
  const hello = await link.next();
  if (hello.type !== 'HELLO') throw new Error(`expected HELLO, got ${hello.type}`);
  const layers: HopLayer[] = [];
  const circId = 0x8000_0001;
  return {
    close: () => link.socket.close(),
    async create(): Promise<Cell> {
      const ntor = ntorClientStart(crypto, {
        id: hexToBytes(guard.ed25519),
        b: hexToBytes(guard.x25519),
      });
      link.socket.send(
        encodeCell({ type: 'CREATE', circId, hop: 1, htype: 2, id: ntor.id, b: ntor.b, x: ntor.x }),
      );
      const created = await link.next();
      if (created.type === 'CREATED')
        layers.push(createHopLayer(ntorClientFinish(crypto, ntor, created)));
      return created;
    },
    /** EXTEND from the last hop: the relay payload that answered, or the DESTROY cell. */
    async extend(to: { ed25519: string; x25519: string }) {
      const ntor = ntorClientStart(crypto, {
        id: hexToBytes(to.ed25519),
        b: hexToBytes(to.x25519),
      });
      const hop = layers.length;
      const payload = encodeRelayPayload(hop, {
        command: RelayCommand.EXTEND,
        id: 0,
        data: encodeExtend(ntor),
      });
      link.socket.send(
        encodeCell({ type: 'RELAY', circId, body: sealForward(crypto, layers, hop, payload) }),
      );
      const cell = await link.next();
      if (cell.type !== 'RELAY') return cell;
      const opened = openBackward(crypto, layers, cell.body);
      if (opened.kind !== 'local') throw new Error('a backward cell that does not open');
      const answer = decodeRelayPayload(opened.hop, opened.payload, {
        fromExit: opened.hop === 3,
      });
      if (answer.command === RelayCommand.EXTENDED) {
        layers.push(createHopLayer(ntorClientFinish(crypto, ntor, decodeExtended(answer.data))));
      }
      return answer;
    },
  };
}

describe('relays that follow the devnet ledger refuse keys it never registered', () => {
  it('refuses a link from a relay key that is not registered on the ledger; a registered node key links', async () => {
    watchFailure();
    const [first, second] = devnet.nodes;
    if (first === undefined || second === undefined) throw new Error('a devnet of two nodes');
    const target = relayOf(first);
    const refusedBefore = await relayMetric(target, 'murmur_relay_links_refused_total');
    // A well-formed relay identity, signing its AUTH right, that no registration names.
    const stranger = crypto.generateIdentity();
    expect(
      devnet.nodes.some((node) => node.ed25519 === bytesToHex(stranger.ed25519.publicKey)),
    ).toBe(false);
    expect(await relayLinkAs(stranger, target)).toBe('closed');
    expect(await relayMetric(target, 'murmur_relay_links_refused_total')).toBe(refusedBefore + 1);
    // The same handshake with the key of a node the ledger registered: the relay answers AUTH.
    const key = JSON.parse(readFileSync(join(second.dataDir, 'key.json'), 'utf8')) as {
      ed25519Seed: string;
    };
    const registered = crypto.identityFromSeed(hexToBytes(key.ed25519Seed));
    expect(bytesToHex(registered.ed25519.publicKey)).toBe(second.ed25519);
    expect(await relayLinkAs(registered, target)).toBe('AUTH');
    expect(await relayMetric(target, 'murmur_relay_links_refused_total')).toBe(refusedBefore + 1);
  });

  it('refuses EXTEND to a key that is not registered on the ledger (OR_IDENTITY); a registered one extends', async () => {
    watchFailure();
    const [first, second] = devnet.nodes;
    if (first === undefined || second === undefined) throw new Error('a devnet of two nodes');
    const stranger = crypto.generateIdentity();
    const toStranger = await rawCircuit(relayOf(first));
    try {
      expect((await toStranger.create()).type).toBe('CREATED');
      expect(
        await toStranger.extend({
          ed25519: bytesToHex(stranger.ed25519.publicKey),
          x25519: bytesToHex(stranger.x25519.publicKey),
        }),
      ).toMatchObject({ type: 'DESTROY', reason: DestroyReason.OR_IDENTITY });
    } finally {
      toStranger.close();
    }
    // The same guard extends to a relay of the ledger.
    const toRegistered = await rawCircuit(relayOf(first));
    try {
      expect((await toRegistered.create()).type).toBe('CREATED');
      expect(await toRegistered.extend(relayOf(second))).toMatchObject({
        command: RelayCommand.EXTENDED,
      });
    } finally {
      toRegistered.close();
    }
  });
});

describe("up --demo's conversation on the devnet", () => {
  it('every message of the demo arrives over a circuit', async () => {
    watchFailure();
    const printed: string[] = [];
    const names = new Map(devnet.nodes.map((node) => [node.ed25519, node.name]));
    const result = await runDemo(
      { bootstrap: demoBootstrapOf(devnet), nodeNames: names, timeoutMs: WAIT_MS },
      {
        crypto,
        output: { write: (text) => printed.push(text), isTTY: false },
        styles: createStyles(false),
        fetch: nodeFetch,
      },
    );
    const text = printed.join('');
    expect(result.error, text).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.deliveries).toHaveLength(4);
    expect(result.deliveries.map((delivery) => delivery.via)).toEqual([
      'circuit',
      'circuit',
      'circuit',
      'circuit',
    ]);
    expect(text.match(/ over a circuit /g)).toHaveLength(4);
    expect(text).not.toContain('by a poll (');
    expect(text).toMatch(/Alice's circuit \(guard → middle → exit\): \S+\/relay → /);
    expect(text).toContain('4 over circuits');
  });
});
