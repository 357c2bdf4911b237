/**
 * `POST /onion_req/v2`: peel this node's layer with its X25519 key and act on it.
 *
 * - **final**: run the inner storage RPC here and answer HTTP 200 with the encrypted
 *   `{status, body}` (base64 unless the layer asked for raw bytes);
 * - **relay**: pass the next layer to the node named by its Ed25519 key, only if it is an
 *   active registered node (else 502 "Next node not found: <key>"), and hand its answer back
 *   unchanged;
 * - **proxy**: POST the decrypted exit layer to an external server (public addresses only,
 *   unless `--devnet`) and hand its answer back raw.
 *
 * Refusals: a malformed body, an unknown or `aes-cbc` cipher, more than 15 hops, a layer that
 * does not decrypt with this node's key → 400 in plain text; a decrypted layer with invalid
 * JSON or a URL the node may not call → HTTP 200 with the encrypted 400 reply, as Session.
 */
import { OnionLayerRejectedError } from '@murmur/onion';
import { encodeRelayBody, encryptFinalResponse, type PeeledLayer } from '@murmur/onion/node';
import { cachedCounter, type NodeMetrics } from '../metrics.js';
import { peelOrRefuse, type RelayHop } from '../offload/crypto-jobs.js';
import type { RpcContext } from '../rpc/context.js';
import type { RpcDispatcher } from '../rpc/dispatcher.js';
import type { OnionForwarder } from './forwarder.js';
import { type OnionProxy, ProxyTargetRefused } from './proxy.js';
import type { OnionReply, OnionRequestHandler } from './types.js';

/** Components of {@link createOnionHandler}. */
export interface OnionHandlerComponents {
  context: RpcContext;
  dispatcher: RpcDispatcher;
  forwarder: OnionForwarder;
  proxy: OnionProxy;
  metrics?: NodeMetrics | undefined;
}

const TEXT_BASE64 = 'text/plain; charset=utf-8';

/** Creates the onion request handler. */
export function createOnionHandler(components: OnionHandlerComponents): OnionRequestHandler {
  const { context, dispatcher, forwarder, proxy, metrics } = components;
  const { crypto, keys, logger } = context;

  const countRequest = metrics === undefined ? undefined : cachedCounter(metrics.onionRequests);

  function count(role: string, reply: OnionReply): OnionReply {
    countRequest?.([role, String(reply.status)]);
    return reply;
  }

  async function refuseEncrypted(error: OnionLayerRejectedError): Promise<OnionReply> {
    return { status: 200, body: await error.encryptReply(crypto), contentType: TEXT_BASE64 };
  }

  async function final(layer: Extract<PeeledLayer, { role: 'final' }>): Promise<OnionReply> {
    const result = await dispatcher.handleBody(layer.rpcBody);
    const body = await encryptFinalResponse(crypto, layer, result);
    return {
      status: 200,
      body,
      contentType: layer.returnBase64 ? TEXT_BASE64 : 'application/octet-stream',
    };
  }

  async function relay(hop: RelayHop, signal: AbortSignal | undefined): Promise<OnionReply> {
    const next = context.network.snapshot()?.node(hop.destination);
    if (next === undefined || next.ip === undefined || next.storagePort === undefined) {
      logger.debug({ destination: hop.destination }, 'onion relay: next node not found');
      return { status: 502, body: `Next node not found: ${hop.destination}` };
    }
    return forwarder.forward(next, hop.body, { signal });
  }

  async function exit(
    layer: Extract<PeeledLayer, { role: 'proxy' }>,
    signal: AbortSignal | undefined,
  ): Promise<OnionReply> {
    try {
      return await proxy.forward(
        {
          host: layer.host,
          target: layer.target,
          port: layer.port,
          protocol: layer.protocol,
          method: layer.method,
          body: layer.forwardBody,
        },
        { signal },
      );
    } catch (error) {
      if (error instanceof ProxyTargetRefused) {
        logger.debug({ host: layer.host, reason: error.message }, 'onion exit refused');
        return refuseEncrypted(
          new OnionLayerRejectedError('Invalid url', { key: layer.key, encType: layer.encType }),
        );
      }
      throw error;
    }
  }

  return {
    async handle(body, options) {
      const state = context.network.state();
      if (state.state !== 'ready') {
        return count('invalid', { status: 503, body: `Snode not ready: ${keys.ed25519Hex}` });
      }
      // On a worker thread when the context has an offload (X25519 is the costly part).
      const outcome =
        context.offload === undefined
          ? await peelOrRefuse(crypto, keys.x25519, body)
          : await context.offload.peel(body);
      if ('refusal' in outcome) {
        const { unexpected, ...reply } = outcome.refusal;
        if (unexpected !== undefined) {
          logger.error({ err: new Error(unexpected) }, 'onion request failed');
        }
        return count('invalid', reply);
      }
      if ('relay' in outcome) {
        // Peeled and encoded for the next node on a worker thread.
        try {
          return count('relay', await relay(outcome.relay, options.signal));
        } catch (error) {
          logger.error({ err: error, role: 'relay' }, 'onion request failed');
          return count('relay', { status: 500, body: 'Internal error' });
        }
      }
      const layer: PeeledLayer = outcome.layer;
      try {
        switch (layer.role) {
          case 'final':
            return count('final', await final(layer));
          case 'relay':
            return count(
              'relay',
              await relay(
                { destination: layer.destination, body: encodeRelayBody(layer.next) },
                options.signal,
              ),
            );
          case 'proxy':
            return count('proxy', await exit(layer, options.signal));
        }
      } catch (error) {
        logger.error({ err: error, role: layer.role }, 'onion request failed');
        return count(layer.role, { status: 500, body: 'Internal error' });
      } finally {
        if ('key' in layer) crypto.wipe(layer.key);
      }
    },
  };
}
