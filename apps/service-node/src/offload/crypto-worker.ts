/**
 * The worker thread of {@link createCryptoOffload}: loads `@murmur/crypto`, then runs the batches
 * of jobs it is sent and answers their results in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadCrypto } from '@murmur/crypto';
import {
  type CryptoJob,
  type CryptoJobKeys,
  type CryptoResult,
  runCryptoJob,
  transferablesOf,
} from './crypto-jobs.js';

const port = parentPort;
if (port === null) throw new Error('crypto-worker.js runs as a worker thread only');
const keys = (workerData as { keys: CryptoJobKeys }).keys;
const crypto = await loadCrypto();
port.on('message', (message: { id: number; jobs: CryptoJob[] }) => {
  void Promise.all(
    message.jobs.map((job) =>
      runCryptoJob(crypto, keys, job, { relayEncoded: true }).catch(
        (error: unknown): CryptoResult => ({
          op: 'failed',
          message: error instanceof Error ? error.message : String(error),
        }),
      ),
    ),
  ).then((results) => port.postMessage({ id: message.id, results }, transferablesOf(results)));
});
port.postMessage({ ready: true });
