/**
 * The network view from the ledger: a `@murmur/registry` follower over a `LedgerSource` keeps the
 * registry state current; after each block this view rebuilds its snapshot of the active nodes
 * (keys, address, ports, swarm) when anything it uses changed.
 *
 * The node is `starting` until the follower has caught up with the ledger the first time, then
 * `ready` while it is an active node with a swarm, else `not-active`.
 */
import type { RegistryFollower, RegistryState, ServiceNodeRecord } from '@murmur/registry';
import { activeNodes } from '@murmur/registry';
import type { Logger } from '@murmur/wire';
import { silentLogger } from '@murmur/wire';
import {
  createChangeEmitter,
  createNetworkSnapshot,
  type NetworkSnapshot,
  type NetworkState,
  type NetworkView,
  type ServiceNodeInfo,
  stateOf,
} from './network-view.js';

/** The node fields the view keeps from a registry record. */
export function serviceNodeInfoOf(record: ServiceNodeRecord): ServiceNodeInfo {
  return {
    ed25519: record.ed25519,
    x25519: record.x25519,
    ip: record.ip,
    storagePort: record.storagePort,
    relayPort: record.relayPort,
    swarmId: record.swarmId,
    requestedUnlockHeight: record.requestedUnlockHeight,
  };
}

function sameNodes(a: readonly ServiceNodeInfo[], b: readonly ServiceNodeInfo[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as ServiceNodeInfo;
    const y = b[i] as ServiceNodeInfo;
    if (
      x.ed25519 !== y.ed25519 ||
      x.ip !== y.ip ||
      x.storagePort !== y.storagePort ||
      x.relayPort !== y.relayPort ||
      x.swarmId !== y.swarmId ||
      x.requestedUnlockHeight !== y.requestedUnlockHeight
    ) {
      return false;
    }
  }
  return true;
}

/** Options of {@link createRegistryNetworkView}. */
export interface RegistryNetworkViewInit {
  self: { ed25519: string; x25519: string };
}

/** Components of {@link createRegistryNetworkView}. */
export interface RegistryNetworkViewComponents {
  /** A follower (not started: the view starts and stops it). */
  follower: RegistryFollower;
  logger?: Logger | undefined;
}

/** A network view that follows the ledger. */
export function createRegistryNetworkView(
  init: RegistryNetworkViewInit,
  components: RegistryNetworkViewComponents,
): NetworkView {
  const { follower } = components;
  const logger = (components.logger ?? silentLogger()).child({ component: 'network' });
  const emitter = createChangeEmitter();
  const self = Object.freeze({ ...init.self });
  let snapshot: NetworkSnapshot | undefined;
  let caughtUp = false;
  let lastState: NetworkState['state'] | undefined;

  function rebuild(state: RegistryState): void {
    const nodes = activeNodes(state)
      .map(serviceNodeInfoOf)
      .sort((a, b) => (a.ed25519 < b.ed25519 ? -1 : 1));
    if (snapshot !== undefined && sameNodes(snapshot.nodes, nodes)) {
      // Same network: only the height moved.
      snapshot = Object.freeze({ ...snapshot, height: state.height });
      return;
    }
    const previous = snapshot;
    snapshot = createNetworkSnapshot(nodes, state.height);
    emitter.emit({ previous, current: snapshot });
    report();
  }

  function report(): void {
    const current = view.state();
    if (current.state === lastState) return;
    lastState = current.state;
    if (current.state === 'ready') {
      logger.info(
        {
          height: current.height,
          swarm: current.swarm.id.toString(16),
          members: current.swarm.members.length,
        },
        'node is ready: active in its swarm',
      );
    } else {
      logger.info({ state: current.state, reason: current.reason }, 'node is not serving yet');
    }
  }

  const onState = (state: RegistryState) => {
    try {
      rebuild(state);
    } catch (error) {
      logger.error({ err: error }, 'could not rebuild the network view');
    }
  };

  const view: NetworkView = {
    self,
    state() {
      if (!caughtUp || snapshot === undefined) {
        return {
          state: 'starting',
          reason:
            follower.height < 0
              ? 'loading the ledger genesis'
              : `catching up with the ledger (at height ${follower.height})`,
          height: follower.height < 0 ? undefined : follower.height,
        };
      }
      return stateOf(snapshot, self.ed25519);
    },
    snapshot: () => snapshot,
    onChange: emitter.on,
    async start() {
      follower.on('state', onState);
      follower.start();
      void follower.ready.then(
        (state) => {
          caughtUp = true;
          rebuild(state);
          report();
        },
        () => undefined,
      );
    },
    async stop() {
      follower.off('state', onState);
      await follower.stop();
    },
  };
  return view;
}
