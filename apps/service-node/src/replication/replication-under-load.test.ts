/**
 * Replication under client overload (issue 10, finding 5: 4.8% of acknowledged stores had one
 * copy until catch-up ran). Three whole nodes of one swarm in this process (real SQLite, HTTPS,
 * peer links on loopback); one member's client admission is full — a real client holds its only
 * in-flight slot with a request whose body never comes, so every other client request to it is
 * shed with 503 — and a store through another member must still reach it over the peer link,
 * with every copy counted in `murmur_store_copies`.
 */
import { connect as tlsConnect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { type Cluster, type ClusterNode, createCluster } from '../test-support/cluster.js';
import { httpsFetch } from '../test-support/https.js';
import { waitFor } from '../test-support/peer-harness.js';

const S1 = 0x1000_0000_0000_0000n;

let cluster: Cluster | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await cluster?.close();
  cluster = undefined;
});

async function metricsOf(node: ClusterNode): Promise<string> {
  return (await httpsFetch(`https://127.0.0.1:${node.port}/metrics`)).text();
}

/** Holds one request in progress on `node`: headers of a body that never comes. */
async function holdRequest(node: ClusterNode): Promise<void> {
  const socket = tlsConnect({ host: '127.0.0.1', port: node.port, rejectUnauthorized: false });
  socket.on('error', () => undefined);
  cleanups.push(() => socket.destroy());
  await new Promise<void>((done) => socket.once('secureConnect', () => done()));
  socket.write(
    'POST /storage_rpc/v1 HTTP/1.1\r\nHost: node\r\nContent-Length: 1000\r\n\r\n{"method":',
  );
}

describe('replication under client overload', () => {
  it('a store reaches a member whose client admission sheds everything, and its copies are counted', async () => {
    // Node 1 admits one client request at a time.
    cluster = await createCluster({ swarms: [S1, S1, S1], flags: { 1: { 'max-in-flight': '1' } } });
    const c = cluster;
    const [entry, busy, third] = c.nodes as [ClusterNode, ClusterNode, ClusterNode];
    const alice = c.account(S1);

    await holdRequest(busy);
    // The busy member now sheds its clients (the hang guard of waitFor, not a timing assertion).
    let shed = 0;
    await waitFor(async () => {
      const answer = await c.rpc(busy, 'info', {});
      if (answer.status === 503) shed += 1;
      return answer.status === 503;
    }, 30_000);
    expect(shed).toBe(1);
    expect((await c.store(busy, alice, 'refused at the door')).status).toBe(503);

    const answer = await c.store(entry, alice, 'three copies');
    expect(answer.status).toBe(200);
    for (const member of [entry, busy, third]) {
      expect(answer.body.swarm[member.keys.ed25519Hex]).toMatchObject({ hash: answer.body.hash });
    }
    // Still overloaded for clients, the busy member holds the copy (its /health is never shed).
    expect(await c.storedOn(busy)).toBe(1);
    expect((await c.rpc(busy, 'info', {})).status).toBe(503);
    expect(await metricsOf(busy)).toMatch(/murmur_shed_requests_total\{reason="in-flight"\} [1-9]/);

    const entryMetrics = await metricsOf(entry);
    expect(entryMetrics).toMatch(/murmur_store_copies_count 1\b/);
    expect(entryMetrics).toMatch(/murmur_store_copies_sum 3\b/);
    expect(entryMetrics).toMatch(/murmur_store_copies_bucket\{le="2"\} 0\b/);

    // Released, the member serves its clients the copy.
    for (const cleanup of cleanups.splice(0)) cleanup();
    await waitFor(async () => (await c.rpc(busy, 'info', {})).status === 200, 30_000);
    expect(await c.texts(busy, alice)).toEqual(['three copies']);
  });
});
