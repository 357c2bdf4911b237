/**
 * The circuit push source (MCP v1; docs/CLIENTS.md, "Real-time delivery"): a {@link PushSource}
 * that keeps one 3-hop circuit of staked relays open, SUBSCRIBEs the account's namespaces at
 * the exit (a member of the account's swarm) with a fresh `MONITOR2` signature, and hands every
 * NOTIFY to the client's receive path, exactly as `retrieve` would have returned the message.
 *
 * - **Build**: guard from the onion guard set when possible (kept across rebuilds unless it
 *   failed), middle from every relay, exit from the relays of the account's swarm; relays that
 *   failed recently are avoided. A failed build or subscription retries with backoff 1, 2, 4 …
 *   60 s; polling goes on meanwhile (`connected` is false, and `wake` makes the poller poll now).
 * - **Catch-up**: after every (re)subscription, one `catchUp` (a poll round from the last hash
 *   of each namespace), because notifications sent while no subscription was up are lost.
 * - **Rotation**: at a random time in 30–60 min, make-before-break: the new circuit is built and
 *   subscribed, the client catches up, then the old circuit is DESTROYed.
 * - **Liveness**: PING to the exit every random 60–120 s; no PONG in 20 s, a DESTROY, a closed
 *   guard link or SUB_ENDED mark the circuit dead and start a rebuild.
 */
import {
  type Circuit,
  type CircuitBuilder,
  type CircuitBuilderComponents,
  CircuitClosedError,
  type CircuitRelay,
  createCircuitBuilder,
  monitorSignatureMessage,
  NoCircuitPathError,
  type Notification,
} from '@murmur/circuits';
import type { MurmurCrypto } from '@murmur/crypto';
import {
  AbortError,
  type AbortOptions,
  bytesToBase64,
  type Clock,
  equalBytes,
  hexToBytes,
  InvalidInputError,
  type Logger,
  MurmurError,
  raceAbort,
  silentLogger,
  systemClock,
  UpstreamFailedError,
} from '@murmur/wire';
import type { PushBatch, PushSource, PushStartOptions } from '../push.js';

/** Options of the circuit push source (all durations in ms). */
export interface CircuitPushInit {
  /** Rotate each circuit at a random time in [rotateMinMs, rotateMaxMs] (default 30–60 min). */
  rotateMinMs?: number;
  rotateMaxMs?: number;
  /** PING the exit every random [pingMinMs, pingMaxMs] (default 60–120 s). */
  pingMinMs?: number;
  pingMaxMs?: number;
  /** No PONG after this long kills the circuit (default 20 s). */
  pingTimeoutMs?: number;
  /** Give up one build after this long (default 10 s). */
  buildTimeoutMs?: number;
  /** Retry backoff after a failure: first and longest wait (default 1 s and 60 s). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** A relay that failed is left out of new paths this long (default 60 s). */
  avoidMs?: number;
  /** Give up waiting for one catch-up after this long (default 30 s; polling goes on). */
  catchUpTimeoutMs?: number;
}

/** A change of the push circuit, for the client's `circuit` event. */
export type CircuitPushEvent =
  | {
      /** A circuit is up and subscribed (after a rotation too). */
      state: 'up';
      /** Guard, middle and exit Ed25519 keys. */
      path: [string, string, string];
      /** True when it replaced a live circuit (make-before-break rotation). */
      rotated: boolean;
    }
  | {
      /** The circuit in use died: polling takes over until a new one is subscribed. */
      state: 'down';
      path: [string, string, string];
      /** Why, in words. */
      reason: string;
    };

/** What the circuit push source uses. */
export interface CircuitPushComponents {
  crypto: MurmurCrypto;
  /** Opens a link to a guard (see `webSocketConnector`). */
  connect: CircuitBuilderComponents['connect'];
  /** The relays known (each node's keys, IP and registered relay port). */
  relays(options: AbortOptions): Promise<readonly CircuitRelay[]>;
  /** The onion guard set (Ed25519 keys): guards are picked from it when possible. */
  guards?(): readonly string[];
  /** The Ed25519 keys of the members of an account's swarm. */
  swarm(pubkey: string, options: AbortOptions): Promise<readonly string[]>;
  /** One catch-up: resolves once a poll round that started after the call has finished. */
  catchUp(options: AbortOptions): Promise<void>;
  /** The circuit went down: poll now (polling is the fallback until a new one is up). */
  wake?(): void;
  /** Hears circuit changes. */
  onEvent?(event: CircuitPushEvent): void;
  /** Reports a failed build, subscription or catch-up (the source retries on its own). */
  onError?(error: unknown): void;
  clock?: Clock;
  /** Uniform numbers in [0, 1) (default `Math.random`). */
  random?: () => number;
  logger?: Logger;
}

/** Counters of a circuit push source. */
export interface CircuitPushStats {
  /** Circuits built. */
  built: number;
  /** Circuits subscribed and put in use. */
  subscribed: number;
  /** Builds or subscriptions that failed. */
  failures: number;
  /** Circuits in use that died. */
  lost: number;
  /** Make-before-break rotations completed. */
  rotations: number;
  /** NOTIFY messages handed to the client. */
  notifications: number;
  /** Catch-ups run. */
  catchUps: number;
}

/** The circuit push source. */
export interface CircuitPushSource extends PushSource {
  /** The path of the circuit in use (guard, middle, exit), if one is up. */
  readonly path: readonly [CircuitRelay, CircuitRelay, CircuitRelay] | undefined;
  /** Counters. */
  readonly stats: Readonly<CircuitPushStats>;
  /** Rotates now (make-before-break); resolves when the new circuit is in use or it failed. */
  rotate(): Promise<void>;
}

interface Active {
  readonly circuit: Circuit;
  readonly offs: (() => void)[];
  readonly timers: Set<ReturnType<typeof setTimeout>>;
  retired: boolean;
}

function keysOf(circuit: Circuit): [string, string, string] {
  return circuit.path.map((relay) => relay.ed25519) as [string, string, string];
}

function checkMs(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) {
    throw new InvalidInputError(`circuit push: \`${name}\` must be a non-negative number of ms`);
  }
  return value;
}

/** Creates the circuit push source (stopped). */
export function createCircuitPushSource(
  init: CircuitPushInit,
  components: CircuitPushComponents,
): CircuitPushSource {
  const rotateMinMs = checkMs(init.rotateMinMs, 'rotateMinMs', 30 * 60_000);
  const rotateMaxMs = Math.max(rotateMinMs, checkMs(init.rotateMaxMs, 'rotateMaxMs', 60 * 60_000));
  const pingMinMs = checkMs(init.pingMinMs, 'pingMinMs', 60_000);
  const pingMaxMs = Math.max(pingMinMs, checkMs(init.pingMaxMs, 'pingMaxMs', 120_000));
  const retryMinMs = checkMs(init.retryMinMs, 'retryMinMs', 1_000);
  const retryMaxMs = Math.max(retryMinMs, checkMs(init.retryMaxMs, 'retryMaxMs', 60_000));
  const avoidMs = checkMs(init.avoidMs, 'avoidMs', 60_000);
  const catchUpTimeoutMs = checkMs(init.catchUpTimeoutMs, 'catchUpTimeoutMs', 30_000);
  const { crypto } = components;
  const clock = components.clock ?? systemClock;
  const random = components.random ?? Math.random;
  const logger = (components.logger ?? silentLogger()).child({ component: 'circuit-push' });
  const builder: CircuitBuilder = createCircuitBuilder(
    {
      ...(init.buildTimeoutMs === undefined ? {} : { buildTimeoutMs: init.buildTimeoutMs }),
      ...(init.pingTimeoutMs === undefined ? {} : { pingTimeoutMs: init.pingTimeoutMs }),
    },
    { crypto, connect: components.connect, random, clock, logger },
  );

  const stats: CircuitPushStats = {
    built: 0,
    subscribed: 0,
    failures: 0,
    lost: 0,
    rotations: 0,
    notifications: 0,
    catchUps: 0,
  };
  let running = false;
  let deliver: ((batch: PushBatch) => void) | undefined;
  let options: PushStartOptions | undefined;
  let account: Uint8Array = new Uint8Array(0);
  let namespaces: number[] = [];
  let lifecycle = new AbortController();
  let current: Active | undefined;
  let establishing: Promise<void> | undefined;
  let rotationDue = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let failuresInRow = 0;
  let keptGuard: string | undefined;
  const avoided = new Map<string, number>();
  const catchUps = new Set<Promise<void>>();

  const between = (min: number, max: number) => min + random() * (max - min);
  const report = (error: unknown) => {
    if (!running) return;
    try {
      components.onError?.(error);
    } catch (listenerError) {
      logger.warn({ err: String(listenerError) }, 'circuit push: onError threw');
    }
  };
  const emit = (event: CircuitPushEvent) => {
    try {
      components.onEvent?.(event);
    } catch (error) {
      logger.warn({ err: String(error) }, 'circuit push: onEvent threw');
    }
  };
  const avoid = (keys: readonly (string | undefined)[]) => {
    const until = clock.now() + avoidMs;
    for (const key of keys) {
      if (key === undefined) continue;
      avoided.set(key, until);
      if (key === keptGuard) keptGuard = undefined;
    }
  };

  /** Runs one catch-up (bounded), counted and reported; never rejects. */
  const catchUp = (): Promise<void> => {
    if (!running) return Promise.resolve();
    stats.catchUps++;
    const signal = AbortSignal.any([lifecycle.signal, AbortSignal.timeout(catchUpTimeoutMs)]);
    // Raced with the signal: a stop never waits for a catch-up that ignores it.
    const run = raceAbort(
      Promise.resolve().then(() => components.catchUp({ signal })),
      signal,
    )
      .catch((error: unknown) => {
        if (!lifecycle.signal.aborted) report(error);
      })
      .finally(() => catchUps.delete(run));
    catchUps.add(run);
    return run;
  };

  const onNotify = (notification: Notification) => {
    if (!running || deliver === undefined) return;
    if (!equalBytes(notification.account, account)) {
      logger.debug({}, 'circuit push: a notification for another account; ignored');
      return;
    }
    if (!namespaces.includes(notification.namespace)) return;
    stats.notifications++;
    if (notification.data === undefined) {
      // Announced without its data (above 16 KiB): a poll round fetches it.
      void catchUp();
      return;
    }
    deliver({
      namespace: notification.namespace,
      messages: [
        {
          hash: notification.hash,
          timestamp: notification.timestamp,
          expiration: notification.expiry,
          data: bytesToBase64(notification.data),
        },
      ],
    });
  };

  const retire = (active: Active) => {
    if (active.retired) return;
    active.retired = true;
    for (const off of active.offs.splice(0)) off();
    for (const timer of active.timers) clearTimeout(timer);
    active.timers.clear();
    if (active.circuit.state === 'open') active.circuit.destroy();
  };

  const scheduleEstablish = (delay: number) => {
    if (!running) return;
    if (retryTimer !== undefined) clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      establish();
    }, delay);
  };

  /** A circuit in use died (or its subscription ended): rebuild, poll meanwhile. */
  const lost = (active: Active, reason: string, blame: readonly (string | undefined)[]) => {
    if (active.retired) return;
    const path = keysOf(active.circuit);
    retire(active);
    avoid(blame);
    if (active !== current) return;
    current = undefined;
    stats.lost++;
    logger.info({ reason }, 'circuit push: the circuit died; polling until a new one is up');
    emit({ state: 'down', path, reason });
    components.wake?.();
    scheduleEstablish(0);
  };

  const blameOf = (error: unknown, path: readonly CircuitRelay[]): (string | undefined)[] => {
    // The guard link closed or the guard failed: a new guard; otherwise keep the guard and pick
    // a new middle and exit (the client cannot tell which of them failed).
    if (error instanceof CircuitClosedError && error.hop !== undefined) {
      if (error.hop === 1) return [path[0]?.ed25519];
      if (error.hop === 2) return [path[1]?.ed25519];
    }
    return [path[1]?.ed25519, path[2]?.ed25519];
  };

  const listen = (circuit: Circuit): Active => {
    const active: Active = { circuit, offs: [], timers: new Set(), retired: false };
    active.offs.push(
      circuit.on('notify', ({ notification }) => onNotify(notification)),
      circuit.on('subscriptionEnded', (ended) => {
        if (!equalBytes(ended.account, account)) return;
        lost(active, `the exit ended the subscription (${ended.reason}: ${ended.text})`, [
          circuit.path[2].ed25519,
        ]);
      }),
      circuit.on('closed', ({ error }) =>
        lost(active, error.message, blameOf(error, circuit.path)),
      ),
    );
    return active;
  };

  const schedulePing = (active: Active) => {
    const timer = setTimeout(
      () => {
        active.timers.delete(timer);
        if (active.retired) return;
        // A PING without PONG closes the circuit (its `closed` event rebuilds).
        active.circuit.ping({ signal: lifecycle.signal }).then(
          () => schedulePing(active),
          () => undefined,
        );
      },
      between(pingMinMs, pingMaxMs),
    );
    active.timers.add(timer);
  };

  const scheduleRotation = (active: Active) => {
    const timer = setTimeout(
      () => {
        active.timers.delete(timer);
        if (active.retired || active !== current) return;
        rotationDue = true;
        establish();
      },
      between(rotateMinMs, rotateMaxMs),
    );
    active.timers.add(timer);
  };

  const pickPath = async (
    signal: AbortSignal,
  ): Promise<[CircuitRelay, CircuitRelay, CircuitRelay]> => {
    const start = options as PushStartOptions;
    const relays = await components.relays({ signal });
    if (relays.length === 0) throw new NoCircuitPathError('no relays are known yet');
    const swarm = new Set(await components.swarm(start.sessionId, { signal }));
    const exits = relays.filter((relay) => swarm.has(relay.ed25519));
    const now = clock.now();
    for (const [key, until] of avoided) if (until <= now) avoided.delete(key);
    const preferred = new Set(components.guards?.() ?? []);
    let guards = relays.filter((relay) => preferred.has(relay.ed25519));
    if (guards.length === 0) guards = [...relays];
    const kept = relays.find((relay) => relay.ed25519 === keptGuard);
    if (kept !== undefined) guards = [kept];
    try {
      return builder.pickPath({ guards, relays, exits }, { exclude: [...avoided.keys()] });
    } catch (error) {
      if (!(error instanceof NoCircuitPathError)) throw error;
      // Too few relays left once the failed ones are avoided: try them again.
      return builder.pickPath({ guards: relays, relays, exits });
    }
  };

  const subscribe = async (circuit: Circuit, signal: AbortSignal): Promise<void> => {
    const start = options as PushStartOptions;
    const timestamp = Math.floor(start.now() / 1000);
    const signature = start.sign(
      monitorSignatureMessage(account, timestamp, namespaces, circuit.exitEd25519),
    );
    const answer = await circuit.subscribe(
      { ed25519: hexToBytes(start.ed25519PublicKey), namespaces, timestamp, signature },
      { signal },
    );
    if (!answer.success) {
      throw new UpstreamFailedError(
        `the exit refused the subscription (errcode ${answer.errcode}: ${answer.error})`,
        { details: { errcode: answer.errcode } },
      );
    }
  };

  function establish(): void {
    if (!running || establishing !== undefined) return;
    if (current !== undefined && !rotationDue) return;
    if (retryTimer !== undefined) {
      clearTimeout(retryTimer);
      retryTimer = undefined;
    }
    const signal = lifecycle.signal;
    establishing = (async () => {
      let path: [CircuitRelay, CircuitRelay, CircuitRelay] | undefined;
      let active: Active | undefined;
      try {
        path = await pickPath(signal);
        const circuit = await builder.build(path, { signal });
        stats.built++;
        // Listen before SUBSCRIBE: a notification may follow SUBSCRIBED at once.
        active = listen(circuit);
        keptGuard = path[0].ed25519;
        await subscribe(circuit, signal);
        if (active.retired) throw new AbortError('the circuit closed while subscribing');
        if (!running) throw new AbortError('the push source was stopped');
        const previous = current;
        current = active;
        rotationDue = false;
        failuresInRow = 0;
        stats.subscribed++;
        schedulePing(active);
        scheduleRotation(active);
        logger.info(
          { path: keysOf(circuit), rotated: previous !== undefined },
          'circuit push: circuit up and subscribed',
        );
        emit({ state: 'up', path: keysOf(circuit), rotated: previous !== undefined });
        // Catch up after every (re)subscription, and only then break the old circuit.
        await catchUp();
        if (previous !== undefined) {
          retire(previous);
          stats.rotations++;
        }
      } catch (error) {
        if (active !== undefined && active !== current) retire(active);
        if (!running) return;
        stats.failures++;
        failuresInRow++;
        if (path !== undefined) {
          if (error instanceof UpstreamFailedError) avoid([path[2].ed25519]);
          else avoid(blameOf(error, path));
          // Builds through a kept guard that keep failing (a guard that swallows cells times
          // out without saying which hop): the second failure in a row drops the guard too.
          if (failuresInRow >= 2 && keptGuard === path[0].ed25519) avoid([path[0].ed25519]);
        }
        const delay = Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(failuresInRow - 1, 16));
        const quiet =
          error instanceof NoCircuitPathError ||
          (error instanceof AbortError && lifecycle.signal.aborted);
        logger.debug(
          {
            err: MurmurError.isInstance(error) ? error.message : String(error),
            retryInMs: delay,
          },
          'circuit push: no circuit; polling meanwhile',
        );
        if (!quiet) report(error);
        scheduleEstablish(delay);
      }
    })().finally(() => {
      establishing = undefined;
    });
  }

  return {
    get connected() {
      return running && current !== undefined && current.circuit.state === 'open';
    },
    get path() {
      return current?.circuit.path;
    },
    get stats() {
      return stats;
    },

    async start(onMessages, startOptions) {
      if (running) return;
      if (typeof startOptions.sign !== 'function') {
        throw new InvalidInputError('circuit push: start options need `sign`');
      }
      running = true;
      deliver = onMessages;
      options = startOptions;
      account = hexToBytes(startOptions.sessionId);
      namespaces = [...new Set(startOptions.namespaces)].sort((a, b) => a - b);
      lifecycle = new AbortController();
      establish();
    },

    async stop() {
      if (!running) return;
      running = false;
      lifecycle.abort(new AbortError('the push source was stopped'));
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      retryTimer = undefined;
      await establishing?.catch(() => undefined);
      await Promise.allSettled([...catchUps]);
      if (current !== undefined) retire(current);
      current = undefined;
      rotationDue = false;
      builder.close();
      deliver = undefined;
    },

    async rotate() {
      if (!running || current === undefined) return;
      rotationDue = true;
      establish();
      await establishing;
    },
  };
}
