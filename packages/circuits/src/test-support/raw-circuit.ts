/**
 * The client side of one circuit made cell by cell from the library's primitives (no builder),
 * for tests that send what a well-behaved client never sends. It knows no transport: it makes the
 * cells to send and reads the cells received, so the in-memory tests (`relay-core.test.ts`) and
 * the tests of real relay processes over WebSockets share it.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import { hexToBytes } from '@murmur/wire';
import { type Cell, encodeCell } from '../cell.js';
import { RelayCommand } from '../constants.js';
import { createHopLayer, type HopLayer, openBackward, sealForward } from '../layers.js';
import { ntorClientFinish, ntorClientStart } from '../ntor.js';
import {
  decodeExtended,
  decodeRelayPayload,
  encodeExtend,
  encodeRelayPayload,
  type RelayPayload,
} from '../relay-payload.js';

/** A relay's keys, hex. */
export interface RawRelayKeys {
  ed25519: string;
  x25519: string;
}

/** A backward RELAY cell opened: the hop that sent it and its payload. */
export type OpenedPayload = RelayPayload & { hop: number };

/** The client circuit. */
export interface RawCircuit {
  readonly circId: number;
  /** One layer per hop built so far. */
  readonly layers: HopLayer[];
  /** The HELLO that opens a client link. */
  hello(): Uint8Array;
  /** A RELAY cell to `hop`, sealed for every layer up to it. */
  relay(hop: number, payload: RelayPayload): Uint8Array;
  /**
   * A received cell read: a RELAY cell opened to its hop and payload, any other cell as it is.
   *
   * @throws when a RELAY cell does not open with the circuit's layers.
   */
  backward(cell: Cell): Cell | OpenedPayload;
  /** The CREATE to `guard`; `finish` adds the first hop when the answer is CREATED. */
  create(guard: RawRelayKeys): { cell: Uint8Array; finish(answer: Cell): Cell };
  /**
   * The EXTEND from the last hop to `relay`; `finish` reads the answer (see {@link backward}) and
   * adds the hop when it is EXTENDED.
   */
  extend(relay: RawRelayKeys): { cell: Uint8Array; finish(answer: Cell): Cell | OpenedPayload };
}

/** A {@link RawCircuit} with CircID `circId`. */
export function rawCircuit(crypto: MurmurCrypto, circId = 0x8000_0001): RawCircuit {
  const layers: HopLayer[] = [];
  const ntorTo = (relay: RawRelayKeys) =>
    ntorClientStart(crypto, { id: hexToBytes(relay.ed25519), b: hexToBytes(relay.x25519) });
  const relay = (hop: number, payload: RelayPayload) =>
    encodeCell({
      type: 'RELAY',
      circId,
      body: sealForward(crypto, layers, hop, encodeRelayPayload(hop, payload)),
    });
  const backward = (cell: Cell): Cell | OpenedPayload => {
    if (cell.type !== 'RELAY') return cell;
    const opened = openBackward(crypto, layers, cell.body);
    if (opened.kind !== 'local') throw new Error('a backward cell that does not open');
    return {
      hop: opened.hop,
      ...decodeRelayPayload(opened.hop, opened.payload, { fromExit: opened.hop === 3 }),
    };
  };
  return {
    circId,
    layers,
    hello: () => encodeCell({ type: 'HELLO', circId: 0, version: 1, nonce: new Uint8Array(32) }),
    relay,
    backward,
    create(guard) {
      const ntor = ntorTo(guard);
      return {
        cell: encodeCell({
          type: 'CREATE',
          circId,
          hop: 1,
          htype: 2,
          id: ntor.id,
          b: ntor.b,
          x: ntor.x,
        }),
        finish(answer) {
          if (answer.type === 'CREATED') {
            layers.push(createHopLayer(ntorClientFinish(crypto, ntor, answer)));
          }
          return answer;
        },
      };
    },
    extend(to) {
      const ntor = ntorTo(to);
      return {
        cell: relay(layers.length, {
          command: RelayCommand.EXTEND,
          id: 0,
          data: encodeExtend(ntor),
        }),
        finish(answer) {
          const read = backward(answer);
          if ('command' in read && read.command === RelayCommand.EXTENDED) {
            layers.push(createHopLayer(ntorClientFinish(crypto, ntor, decodeExtended(read.data))));
          }
          return read;
        },
      };
    },
  };
}
