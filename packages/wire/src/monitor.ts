/**
 * The monitor subscription protocol between a service node and an exit relay (`/monitor/v1` on
 * the node's storage port): one UTF-8 JSON object per WebSocket text frame, every frame checked
 * against the schema of its `type` on both sides. The node greets with `hello` (a nonce), the
 * subscriber proves its Ed25519 key with `auth`, then sends `subscribe` / `unsubscribe` and
 * receives `subscribed`, `unsubscribed`, `notify` and `ended`. `docs/PROTOCOL.md` ("Monitor
 * subscriptions") is the normative description.
 */
import Type, { type Static, type TSchema } from 'typebox';
import { bytesToHex, concatBytes, utf8Encode } from './encoding.js';
import { InvalidInputError, InvalidResponseError } from './errors.js';
import { createChecker, type SchemaChecker } from './schema-check.js';
import { MessageHashSchema, NamespaceSchema } from './schemas/common.js';

/** The WebSocket path of the monitor endpoint on a node's storage port. */
export const MONITOR_PATH = '/monitor/v1';
/** The protocol version the node announces in `hello`. */
export const MONITOR_PROTOCOL_VERSION = 1;
/**
 * How far a `MONITOR2` signature's timestamp may be from the node's clock, seconds (±10 min;
 * Session's `MONITOR` accepts 14 days back and 1 day ahead).
 */
export const MONITOR_SIGNATURE_WINDOW_SECONDS = 600;
/** The largest frame a subscriber may send, bytes (frames are small JSON objects). */
export const MONITOR_MAX_SUBSCRIBER_FRAME_BYTES = 16 * 1024;
/** The largest frame a node sends (a notification with 76,800 bytes of data in base64). */
export const MONITOR_MAX_NODE_FRAME_BYTES = 256 * 1024;
/** Namespaces in one subscription, at most. */
export const MONITOR_MAX_NAMESPACES = 64;

/**
 * `errcode` values of `subscribed` and `ended`: Session's `MonitorResponse` (1–6, from
 * session-storage-server `oxenss/server/utils.h`) and Murmur's own (7–9).
 */
export const MonitorErrorCode = Object.freeze({
  /** Invalid arguments (wrong encoding, a missing or mistyped field). */
  BAD_ARGS: 1,
  /** The pubkey is not valid (P does not convert to an X25519 key). */
  BAD_PUBKEY: 2,
  /** Namespaces not ascending, or repeated. */
  BAD_NS: 3,
  /** The signature timestamp is outside ±10 minutes of the node's clock. */
  BAD_TS: 4,
  /** The signature does not verify. */
  BAD_SIG: 5,
  /** The account is not stored by this node's swarm (or the node left it). */
  WRONG_SWARM: 6,
  /** A Murmur limit: subscriptions per connection or per account. */
  LIMIT: 7,
  /** Murmur: the subscriber lost its node and could not subscribe again. */
  UPSTREAM: 8,
  /** Murmur: the subscription reached its lifetime (65 minutes, as Session); sign a new one. */
  EXPIRED: 9,
});

/** WebSocket close codes of the monitor endpoint. */
export const MonitorCloseCode = Object.freeze({
  /** The node is stopping. */
  GOING_AWAY: 1001,
  /** A binary frame (frames are JSON text). */
  UNSUPPORTED: 1003,
  /** `auth` failed: a bad signature, or a key that is neither this node nor an active node. */
  AUTH_FAILED: 4001,
  /** No `auth` in time. */
  AUTH_TIMEOUT: 4002,
  /** Too many frames refused by the schema on one connection. */
  BAD_FRAMES: 4003,
  /** The subscriber read too slowly: its send queue went over the node's bound. */
  SLOW_READER: 4008,
});

/** The domain separator of the subscriber's `auth` signature. */
export const MONITOR_AUTH_CONTEXT = 'murmur-monitor-v1';

/** The length of the connection exporter in `auth` (TLS keying material, or zeros on plain HTTP). */
export const MONITOR_EXPORTER_LENGTH = 32;
/** The TLS exporter label of a monitor connection. */
export const MONITOR_EXPORTER_LABEL = 'EXPORTER-murmur-monitor-v1';

function requireLength(bytes: Uint8Array, length: number, name: string): void {
  if (bytes.length !== length) {
    throw new InvalidInputError(`${name} must be ${length} bytes, got ${bytes.length}`, {
      details: { field: name },
    });
  }
}

/**
 * The bytes the subscriber signs with its Ed25519 key to authenticate:
 * `"murmur-monitor-v1" ‖ nonce (32) ‖ node Ed25519 (32) ‖ subscriber Ed25519 (32) ‖ exporter (32)`.
 */
export function monitorAuthMessage(fields: {
  nonce: Uint8Array;
  node: Uint8Array;
  subscriber: Uint8Array;
  exporter: Uint8Array;
}): Uint8Array {
  requireLength(fields.nonce, 32, 'nonce');
  requireLength(fields.node, 32, 'node');
  requireLength(fields.subscriber, 32, 'subscriber');
  requireLength(fields.exporter, MONITOR_EXPORTER_LENGTH, 'exporter');
  return concatBytes(
    utf8Encode(MONITOR_AUTH_CONTEXT),
    fields.nonce,
    fields.node,
    fields.subscriber,
    fields.exporter,
  );
}

/**
 * The text the account signs to subscribe through an exit:
 * `"MONITOR2" + hex(account) + t + namespaces joined by "," + hex(exit Ed25519 key)`.
 */
export function monitorSignatureMessage(
  account: Uint8Array,
  timestamp: number,
  namespaces: readonly number[],
  exitEd25519: Uint8Array,
): Uint8Array {
  return utf8Encode(
    `MONITOR2${bytesToHex(account)}${timestamp}${namespaces.join(',')}${bytesToHex(exitEd25519)}`,
  );
}

const Hex64 = Type.String({
  pattern: '^[0-9a-f]{64}$',
  description: 'a 64-character lower-case hex string (32 bytes)',
});
const Hex66 = Type.String({
  pattern: '^[0-9a-f]{66}$',
  description: 'a 66-character lower-case hex account (type byte and 32-byte key)',
});
const Hex128 = Type.String({
  pattern: '^[0-9a-f]{128}$',
  description: 'a 128-character lower-case hex Ed25519 signature',
});
const SubscriptionId = Type.Integer({
  minimum: 0,
  maximum: 2_147_483_647,
  description: 'a subscription id (an integer 0 to 2^31 - 1 the subscriber chose)',
});
const ErrorCode = Type.Integer({ minimum: 1, maximum: 99, description: 'an error code' });
const Text = Type.String({ maxLength: 1_000, description: 'a text of at most 1,000 characters' });
const Milliseconds = Type.Integer({
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'unix milliseconds',
});
const Base64Data = Type.String({
  pattern: '^[A-Za-z0-9+/]*={0,2}$',
  maxLength: 110_000,
  description: 'base64 message data',
});
const strict = { additionalProperties: false } as const;

/** Frames a subscriber sends to the node. */
export const MonitorSubscriberFrameSchemas = Object.freeze({
  auth: Type.Object(
    { type: Type.Literal('auth'), key: Hex64, signature: Hex128 },
    { ...strict, description: 'an auth frame {type, key, signature}' },
  ),
  subscribe: Type.Object(
    {
      type: Type.Literal('subscribe'),
      id: SubscriptionId,
      P: Type.Optional(Hex64),
      p: Type.Optional(Hex66),
      n: Type.Array(NamespaceSchema, {
        minItems: 1,
        maxItems: MONITOR_MAX_NAMESPACES,
        description: `a list of 1 to ${MONITOR_MAX_NAMESPACES} namespaces`,
      }),
      t: Type.Integer({
        minimum: 0,
        maximum: 2 ** 40,
        description: 'the signature timestamp in unix seconds',
      }),
      s: Hex128,
    },
    { ...strict, description: 'a subscribe frame {type, id, P or p, n, t, s}' },
  ),
  unsubscribe: Type.Object(
    { type: Type.Literal('unsubscribe'), id: SubscriptionId },
    { ...strict, description: 'an unsubscribe frame {type, id}' },
  ),
});

/** Frames the node sends to a subscriber. */
export const MonitorNodeFrameSchemas = Object.freeze({
  hello: Type.Object(
    {
      type: Type.Literal('hello'),
      version: Type.Integer({ minimum: 1, maximum: 1_000, description: 'a protocol version' }),
      node: Hex64,
      nonce: Hex64,
    },
    { ...strict, description: 'a hello frame {type, version, node, nonce}' },
  ),
  ready: Type.Object(
    {
      type: Type.Literal('ready'),
      maxSubscriptions: Type.Integer({ minimum: 0, description: 'a count' }),
    },
    { ...strict, description: 'a ready frame {type, maxSubscriptions}' },
  ),
  subscribed: Type.Union(
    [
      Type.Object(
        { type: Type.Literal('subscribed'), id: SubscriptionId, success: Type.Literal(1) },
        strict,
      ),
      Type.Object(
        {
          type: Type.Literal('subscribed'),
          id: SubscriptionId,
          errcode: ErrorCode,
          error: Text,
        },
        strict,
      ),
    ],
    { description: 'a subscribed frame {type, id, success: 1} or {type, id, errcode, error}' },
  ),
  unsubscribed: Type.Object(
    { type: Type.Literal('unsubscribed'), id: SubscriptionId },
    { ...strict, description: 'an unsubscribed frame {type, id}' },
  ),
  notify: Type.Object(
    {
      type: Type.Literal('notify'),
      subs: Type.Array(SubscriptionId, {
        minItems: 1,
        maxItems: 100_000,
        description: 'the subscription ids the notification is for',
      }),
      '@': Hex66,
      h: MessageHashSchema,
      n: NamespaceSchema,
      t: Milliseconds,
      z: Milliseconds,
      '~': Type.Optional(Base64Data),
    },
    { ...strict, description: "a notify frame {type, subs, '@', h, n, t, z, '~'}" },
  ),
  ended: Type.Object(
    { type: Type.Literal('ended'), id: SubscriptionId, errcode: ErrorCode, error: Text },
    { ...strict, description: 'an ended frame {type, id, errcode, error}' },
  ),
  error: Type.Object(
    { type: Type.Literal('error'), id: Type.Optional(SubscriptionId), error: Text },
    { ...strict, description: 'an error frame {type, id?, error}' },
  ),
});

type SchemasOf<T extends Record<string, TSchema>> = { [K in keyof T]: Static<T[K]> }[keyof T];

/** A frame a subscriber sends. */
export type MonitorSubscriberFrame = SchemasOf<typeof MonitorSubscriberFrameSchemas>;
/** A frame the node sends. */
export type MonitorNodeFrame = SchemasOf<typeof MonitorNodeFrameSchemas>;
/** A `subscribe` frame. */
export type MonitorSubscribeFrame = Static<typeof MonitorSubscriberFrameSchemas.subscribe>;
/** A `notify` frame. */
export type MonitorNotifyFrame = Static<typeof MonitorNodeFrameSchemas.notify>;

function checkersOf<T extends Record<string, TSchema>>(
  schemas: T,
): Map<string, SchemaChecker<TSchema>> {
  return new Map(Object.entries(schemas).map(([type, schema]) => [type, createChecker(schema)]));
}

/**
 * Checks one frame; `fromNode` selects the node's frames (a subscriber reading) or the
 * subscriber's (the node reading). The error names the field and, when readable, carries the
 * frame's `id` in `details.id`.
 */
function parseFrame(
  text: string,
  checkers: Map<string, SchemaChecker<TSchema>>,
  fromNode: boolean,
): unknown {
  const fail = (message: string, details: Record<string, unknown> = {}) =>
    fromNode
      ? new InvalidResponseError(`monitor frame from the node: ${message}`, { details })
      : new InvalidInputError(`monitor frame: ${message}`, { details });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw fail('not JSON (frames are one JSON object each)');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fail('not a JSON object');
  }
  const record = value as Record<string, unknown>;
  const type = record['type'];
  const checker = typeof type === 'string' ? checkers.get(type) : undefined;
  if (checker === undefined) {
    throw fail(`\`type\` must be one of ${[...checkers.keys()].join(', ')}`, { field: 'type' });
  }
  const problem = checker.firstProblem(value);
  if (problem !== undefined) {
    const id = record['id'];
    const details: { field: string; id?: number } = { field: problem.field };
    if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 && id <= 2_147_483_647) {
      details.id = id;
    }
    throw fail(
      `${type}: ${problem.field === '' ? `the frame ${problem.text}` : problem.text}`,
      details,
    );
  }
  return value;
}

const subscriberCheckers = checkersOf(MonitorSubscriberFrameSchemas);
const nodeCheckers = checkersOf(MonitorNodeFrameSchemas);

/** Parses a frame the node received; {@link InvalidInputError} naming the field when it is bad. */
export function parseMonitorSubscriberFrame(text: string): MonitorSubscriberFrame {
  const frame = parseFrame(text, subscriberCheckers, false) as MonitorSubscriberFrame;
  if (frame.type === 'subscribe' && (frame.P === undefined) === (frame.p === undefined)) {
    throw new InvalidInputError('monitor frame: subscribe: give exactly one of `P` and `p`', {
      details: { field: 'P', id: frame.id },
    });
  }
  return frame;
}

/** Parses a frame a subscriber received; {@link InvalidResponseError} when it is bad. */
export function parseMonitorNodeFrame(text: string): MonitorNodeFrame {
  return parseFrame(text, nodeCheckers, true) as MonitorNodeFrame;
}

/** Encodes a frame (either direction). */
export function encodeMonitorFrame(frame: MonitorNodeFrame | MonitorSubscriberFrame): string {
  return JSON.stringify(frame);
}
