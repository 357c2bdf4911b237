import { createServer, type Server } from 'node:http';
import type { JsonServiceNode } from '@murmur/registry/ledger-http';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeHealth, notActiveReason, UNASSIGNED_SWARM } from './health.js';

const node = { host: '127.0.0.1', storagePort: 20_001 };

function record(fields: Partial<JsonServiceNode>): JsonServiceNode {
  return {
    ed25519: 'aa'.repeat(32),
    status: 'active',
    ip: '127.0.0.1',
    storagePort: 20_001,
    swarmId: '0000000000000001',
    ...fields,
  } as JsonServiceNode;
}

describe('notActiveReason', () => {
  it('says what is missing, step by step, and nothing for a ready node', () => {
    expect(notActiveReason(undefined, node)).toBe('not in the registry');
    expect(notActiveReason(record({ status: 'awaiting-contributions' }), node)).toBe(
      'registry status awaiting-contributions',
    );
    const { ip: _ip, storagePort: _port, ...noAddress } = record({});
    expect(notActiveReason(noAddress as JsonServiceNode, node)).toBe(
      'active, no address yet (no uptime proof accepted)',
    );
    expect(notActiveReason(record({ storagePort: 20_009 }), node)).toBe(
      'active at 127.0.0.1:20009, not yet at 127.0.0.1:20001',
    );
    expect(notActiveReason(record({ swarmId: UNASSIGNED_SWARM }), node)).toBe(
      'active, no swarm yet',
    );
    expect(notActiveReason(record({}), node)).toBeUndefined();
  });
});

describe('nodeHealth', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((done) => (server === undefined ? done(undefined) : server.close(done)));
    server = undefined;
  });

  async function serve(status: number, body: string): Promise<string> {
    server = createServer((_request, response) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(body);
    });
    await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  it('is ready on 200 with status ready', async () => {
    const answer = await nodeHealth(await serve(200, '{"status":"ready"}'));
    expect(answer).toEqual({
      ready: true,
      httpStatus: 200,
      body: { status: 'ready' },
      text: '/health 200 ready',
    });
  });

  it('is not ready while starting, and says why', async () => {
    const answer = await nodeHealth(
      await serve(503, '{"status":"starting","reason":"catching up"}'),
    );
    expect(answer.ready).toBe(false);
    expect(answer.text).toBe('/health 503 starting (catching up)');
  });

  it('reads a body that is not JSON as unknown', async () => {
    const answer = await nodeHealth(await serve(200, 'fine'));
    expect(answer.ready).toBe(false);
    expect(answer.text).toBe('/health 200 unknown');
  });

  it('answers (never throws) for a node nobody listens for', async () => {
    const url = await serve(200, '{}');
    await new Promise((done) => server?.close(done));
    server = undefined;
    const answer = await nodeHealth(url);
    expect(answer.ready).toBe(false);
    expect(answer.httpStatus).toBeUndefined();
    expect(answer.text).toMatch(/^\/health unreachable \(/);
  });
});
