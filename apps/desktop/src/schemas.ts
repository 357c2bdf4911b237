/**
 * Every message of the desktop daemon's API, one TypeBox schema each. The daemon validates
 * requests and serialises answers with them; the UI's typed client (`ui/src/api.ts`) takes its
 * types from the same objects (`Static<typeof …>`), so the two cannot drift apart without the
 * type check failing. Import them from `@murmur/desktop/schemas`.
 */
import Type, { type Static } from 'typebox';

/** `05` + 64 lower-case hex characters. */
export const SESSION_ID_PATTERN = '^05[0-9a-f]{64}$';
/** A message ID (the storage hash): 43 base64url-ish or 64 hex characters. */
export const MESSAGE_ID_PATTERN = '^[A-Za-z0-9+/=_-]{16,128}$';
/** An account ID: the directory name under `<data>/accounts`. */
export const ACCOUNT_ID_PATTERN = '^[a-z0-9]{1,32}$';

/** Every error answer. */
export const ErrorBodySchema = Type.Object({
  error: Type.String(),
  message: Type.String(),
});
export type ErrorBody = Static<typeof ErrorBodySchema>;

export const AccountParamsSchema = Type.Object({
  account: Type.String({ pattern: ACCOUNT_ID_PATTERN }),
});
export const ConversationParamsSchema = Type.Object({
  account: Type.String({ pattern: ACCOUNT_ID_PATTERN }),
  sessionId: Type.String({ pattern: SESSION_ID_PATTERN }),
});
export const MessageParamsSchema = Type.Object({
  account: Type.String({ pattern: ACCOUNT_ID_PATTERN }),
  id: Type.String({ pattern: MESSAGE_ID_PATTERN }),
});

const DisplayName = Type.String({ minLength: 1, maxLength: 64 });
const Passphrase = Type.String({ minLength: 1, maxLength: 1024 });

/** An account as the UI lists it (no secret). */
export const AccountSummarySchema = Type.Object({
  id: Type.String(),
  /** Absent while the seed is sealed and not unlocked. */
  sessionId: Type.Optional(Type.String()),
  displayName: Type.Optional(Type.String()),
  /** The seed file is sealed with a passphrase. */
  sealed: Type.Boolean(),
  /** Sealed and not unlocked yet. */
  locked: Type.Boolean(),
  /** The person went through the confirm step of the recovery phrase. */
  phraseConfirmed: Type.Boolean(),
});
export type AccountSummary = Static<typeof AccountSummarySchema>;

export const AccountsListSchema = Type.Object({ accounts: Type.Array(AccountSummarySchema) });
export type AccountsList = Static<typeof AccountsListSchema>;

export const CreateAccountBodySchema = Type.Object(
  { displayName: Type.Optional(DisplayName), passphrase: Type.Optional(Passphrase) },
  { additionalProperties: false },
);
export type CreateAccountBody = Static<typeof CreateAccountBodySchema>;

export const CreateAccountResultSchema = Type.Object({
  account: AccountSummarySchema,
  /** The 24 words, shown once; the confirm step follows. */
  phrase: Type.String(),
});
export type CreateAccountResult = Static<typeof CreateAccountResultSchema>;

export const RestoreAccountBodySchema = Type.Object(
  {
    phrase: Type.String({ minLength: 1, maxLength: 1024 }),
    displayName: Type.Optional(DisplayName),
    passphrase: Type.Optional(Passphrase),
  },
  { additionalProperties: false },
);
export type RestoreAccountBody = Static<typeof RestoreAccountBodySchema>;

export const AccountResultSchema = Type.Object({ account: AccountSummarySchema });
export type AccountResult = Static<typeof AccountResultSchema>;

/** The confirm step: the words at some positions (1-based) of the phrase. */
export const ConfirmPhraseBodySchema = Type.Object(
  {
    words: Type.Array(
      Type.Object(
        {
          position: Type.Integer({ minimum: 1, maximum: 24 }),
          word: Type.String({ minLength: 1, maxLength: 32 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 3, maxItems: 24 },
    ),
  },
  { additionalProperties: false },
);
export type ConfirmPhraseBody = Static<typeof ConfirmPhraseBodySchema>;

export const UnlockBodySchema = Type.Object(
  { passphrase: Passphrase },
  { additionalProperties: false },
);
export type UnlockBody = Static<typeof UnlockBodySchema>;

/** Revealing the phrase needs an explicit confirmation (and the passphrase of a sealed seed). */
export const RevealPhraseBodySchema = Type.Object(
  { confirm: Type.Literal(true), passphrase: Type.Optional(Passphrase) },
  { additionalProperties: false },
);
export type RevealPhraseBody = Static<typeof RevealPhraseBodySchema>;

export const PhraseResultSchema = Type.Object({ phrase: Type.String() });
export type PhraseResult = Static<typeof PhraseResultSchema>;

export const DisplayNameBodySchema = Type.Object(
  { displayName: DisplayName },
  { additionalProperties: false },
);
export type DisplayNameBody = Static<typeof DisplayNameBodySchema>;

/**
 * `securing`: held, not yet sealed, while the recipient's forward-secrecy keys are fetched;
 * then queued → sending → sent (stored in the swarm), or failed.
 */
export const OutgoingStateSchema = Type.Union([
  Type.Literal('securing'),
  Type.Literal('queued'),
  Type.Literal('sending'),
  Type.Literal('sent'),
  Type.Literal('failed'),
]);
export type OutgoingState = Static<typeof OutgoingStateSchema>;

export const MessageProtocolSchema = Type.Union([
  Type.Literal('v1'),
  Type.Literal('v2'),
  Type.Literal('v2-no-pfs'),
]);
export type MessageProtocol = Static<typeof MessageProtocolSchema>;

export const DeliveryPathSchema = Type.Union([Type.Literal('circuit'), Type.Literal('poll')]);
export type DeliveryPath = Static<typeof DeliveryPathSchema>;

/** One message as the UI shows it. */
export const MessageViewSchema = Type.Object({
  id: Type.String(),
  conversationId: Type.String(),
  direction: Type.Union([Type.Literal('incoming'), Type.Literal('outgoing')]),
  sender: Type.String(),
  text: Type.String(),
  sentAt: Type.Number(),
  receivedAt: Type.Number(),
  read: Type.Boolean(),
  displayName: Type.Optional(Type.String()),
  /** Outgoing: queued → sending → sent (stored in the swarm), or failed (retry possible). */
  state: Type.Optional(OutgoingStateSchema),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  /** The local copy was edited ("edit local copy"): `text` is the edited text. */
  editedLocally: Type.Boolean(),
  /** When the message disappears (ms), if a timer applies. */
  expiresAt: Type.Optional(Type.Number()),
  /**
   * How it was sealed: `v2` is forward-secret; `v1` and `v2-no-pfs` are not. Absent while an
   * outgoing message is still `securing`, and for messages stored before it was recorded.
   */
  protocol: Type.Optional(MessageProtocolSchema),
  /**
   * Incoming: the path that delivered it — `circuit` (pushed live by the exit relay of the
   * account's relay circuit) or `poll` (retrieved from the swarm). Absent for messages received
   * before the desktop recorded it.
   */
  via: Type.Optional(DeliveryPathSchema),
});
export type MessageView = Static<typeof MessageViewSchema>;

export const DisappearingModeSchema = Type.Union([
  Type.Literal('off'),
  Type.Literal('after-send'),
  Type.Literal('after-read'),
]);
export type DisappearingMode = Static<typeof DisappearingModeSchema>;

export const DisappearingSettingSchema = Type.Object(
  { mode: DisappearingModeSchema, seconds: Type.Integer({ minimum: 0, maximum: 1_209_600 }) },
  { additionalProperties: false },
);
export type DisappearingSetting = Static<typeof DisappearingSettingSchema>;

export const ConversationSummarySchema = Type.Object({
  sessionId: Type.String(),
  nickname: Type.Optional(Type.String()),
  /** The name the other party sent with their last message (a claim). */
  displayName: Type.Optional(Type.String()),
  lastMessage: Type.Optional(MessageViewSchema),
  unreadCount: Type.Integer(),
  disappearing: DisappearingSettingSchema,
});
export type ConversationSummary = Static<typeof ConversationSummarySchema>;

export const ConversationsListSchema = Type.Object({
  conversations: Type.Array(ConversationSummarySchema),
});
export type ConversationsList = Static<typeof ConversationsListSchema>;

export const HistoryQuerySchema = Type.Object(
  {
    before: Type.Optional(Type.String({ pattern: MESSAGE_ID_PATTERN })),
    /** 1 to 200 (a query string: digits). */
    limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]?|1[0-9][0-9]|200)$' })),
  },
  { additionalProperties: false },
);
export type HistoryQuery = Static<typeof HistoryQuerySchema>;

export const HistoryResultSchema = Type.Object({
  /** Newest first. */
  messages: Type.Array(MessageViewSchema),
  /** Older messages exist. */
  more: Type.Boolean(),
});
export type HistoryResult = Static<typeof HistoryResultSchema>;

export const SendBodySchema = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 8000 }) },
  { additionalProperties: false },
);
export type SendBody = Static<typeof SendBodySchema>;

export const MessageResultSchema = Type.Object({ message: MessageViewSchema });
export type MessageResult = Static<typeof MessageResultSchema>;

export const EditBodySchema = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 8000 }) },
  { additionalProperties: false },
);
export type EditBody = Static<typeof EditBodySchema>;

export const ContactBodySchema = Type.Object(
  {
    sessionId: Type.String({ minLength: 1, maxLength: 200 }),
    nickname: Type.Optional(DisplayName),
  },
  { additionalProperties: false },
);
export type ContactBody = Static<typeof ContactBodySchema>;

export const ContactViewSchema = Type.Object({
  sessionId: Type.String(),
  nickname: Type.Optional(Type.String()),
  createdAt: Type.Number(),
});
export type ContactView = Static<typeof ContactViewSchema>;

export const ContactResultSchema = Type.Object({ contact: ContactViewSchema });
export type ContactResult = Static<typeof ContactResultSchema>;

export const NicknameBodySchema = Type.Object(
  { nickname: Type.Union([DisplayName, Type.Null()]) },
  { additionalProperties: false },
);
export type NicknameBody = Static<typeof NicknameBodySchema>;

export const TimerChoicesSchema = Type.Object({
  afterSend: Type.Array(Type.Integer()),
  afterRead: Type.Array(Type.Integer()),
});
export type TimerChoices = Static<typeof TimerChoicesSchema>;

const NodeSchema = Type.Object({ ed25519: Type.String(), ip: Type.String(), port: Type.Number() });

export const HealthSchema = Type.Object({
  summary: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('offline')]),
  reason: Type.String(),
  paths: Type.String(),
  pathsReason: Type.String(),
  timeSynced: Type.Boolean(),
  timeOffsetMs: Type.Number(),
  outboxPending: Type.Number(),
});
export type Health = Static<typeof HealthSchema>;

/** One onion path of the account's client and its health (`client.paths()`). */
export const OnionPathViewSchema = Type.Object({
  /** Changes when the path is rebuilt. */
  id: Type.String(),
  /** Guard, relay, relay. */
  nodes: Type.Array(NodeSchema),
  /** `failing` after a failed request through it, until one succeeds or it is rebuilt. */
  state: Type.Union([Type.Literal('ready'), Type.Literal('failing')]),
  /** Failures since its last success; the client rebuilds it at `failureLimit`. */
  failures: Type.Integer({ minimum: 0 }),
  failureLimit: Type.Integer({ minimum: 1 }),
  /** When it was built (ms since the epoch) and how long ago (ms, the daemon's clock). */
  builtAt: Type.Number(),
  ageMs: Type.Number({ minimum: 0 }),
  /** The last request through it that succeeded, and that failed (ms since the epoch). */
  lastSuccessAt: Type.Optional(Type.Number()),
  lastFailureAt: Type.Optional(Type.Number()),
});
export type OnionPathView = Static<typeof OnionPathViewSchema>;

export const NetworkViewSchema = Type.Object({
  /** The daemon's time as it answered (ms since the epoch): the paths' times are on it. */
  now: Type.Number(),
  /** Where the node list comes from. */
  seeds: Type.Array(Type.String()),
  health: Type.Union([HealthSchema, Type.Null()]),
  /** Onion paths, each guard first, with its health. */
  paths: Type.Array(OnionPathViewSchema),
  /** The account's swarm and its members, from the seed's node list. */
  swarm: Type.Union([
    Type.Object({ id: Type.String(), members: Type.Array(NodeSchema) }),
    Type.Null(),
  ]),
  /** Why `swarm` is null, when it is. */
  swarmError: Type.Optional(Type.String()),
});
export type NetworkView = Static<typeof NetworkViewSchema>;

/** Changing the network: a seed URL, or the content of a devnet's `devnet.json`. */
export const NetworkBodySchema = Type.Union([
  Type.Object(
    { seedUrl: Type.String({ minLength: 8, maxLength: 2048 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      devnet: Type.Object({
        version: Type.Literal(1),
        seed: Type.Object({ url: Type.String({ minLength: 8, maxLength: 2048 }) }),
      }),
    },
    { additionalProperties: false },
  ),
]);
export type NetworkBody = Static<typeof NetworkBodySchema>;

export const ThemeSchema = Type.Union([
  Type.Literal('light'),
  Type.Literal('dark'),
  Type.Literal('system'),
]);
export const SettingsSchema = Type.Object({
  theme: ThemeSchema,
  notifications: Type.Boolean(),
  seeds: Type.Array(Type.String()),
});
export type Settings = Static<typeof SettingsSchema>;

export const SettingsBodySchema = Type.Object(
  { theme: Type.Optional(ThemeSchema), notifications: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export type SettingsBody = Static<typeof SettingsBodySchema>;

export const OkSchema = Type.Object({ ok: Type.Literal(true) });
export type Ok = Static<typeof OkSchema>;

/** The WebSocket event stream (`/api/events`), one JSON object per frame. */
export const EventSchema = Type.Union([
  Type.Object({
    type: Type.Literal('message'),
    account: Type.String(),
    message: MessageViewSchema,
  }),
  Type.Object({
    type: Type.Literal('message-state'),
    account: Type.String(),
    id: Type.String(),
    conversationId: Type.String(),
    state: OutgoingStateSchema,
    /** Once sealed: how (`v2` is forward-secret). */
    protocol: Type.Optional(MessageProtocolSchema),
  }),
  Type.Object({
    type: Type.Literal('message-deleted'),
    account: Type.String(),
    id: Type.String(),
    conversationId: Type.String(),
  }),
  Type.Object({
    type: Type.Literal('message-edited'),
    account: Type.String(),
    message: MessageViewSchema,
  }),
  Type.Object({ type: Type.Literal('health'), account: Type.String(), health: HealthSchema }),
  Type.Object({ type: Type.Literal('accounts'), accounts: Type.Array(AccountSummarySchema) }),
  Type.Object({ type: Type.Literal('conversations'), account: Type.String() }),
  /** The settings after a change (so that every open window follows). */
  Type.Object({ type: Type.Literal('settings'), settings: SettingsSchema }),
]);
export type DesktopEvent = Static<typeof EventSchema>;

export const HealthResponseSchema = Type.Object({
  status: Type.Literal('ok'),
  accounts: Type.Integer(),
  unlocked: Type.Integer(),
});
