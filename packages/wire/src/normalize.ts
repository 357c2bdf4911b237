/**
 * Normalisers: from parameters that passed their schema to the typed, normalised form (aliases
 * folded into snake_case names, decimal strings turned into numbers, defaults filled, hex lower
 * cased) with the cross-field rules a schema cannot express. Internal to the package.
 */
import { MIN_TIMESTAMP_MS } from './constants.js';
import { InvalidInputError } from './errors.js';
import type { SignedAccount } from './schemas/common.js';
import type { DeleteParams, DeleteParamsInput } from './schemas/delete.js';
import type { DeleteAllParams, DeleteAllParamsInput } from './schemas/delete-all.js';
import type { DeleteBeforeParams, DeleteBeforeParamsInput } from './schemas/delete-before.js';
import type { ExpireParams, ExpireParamsInput } from './schemas/expire.js';
import type { ExpireAllParams, ExpireAllParamsInput } from './schemas/expire-all.js';
import type { GetExpiriesParams, GetExpiriesParamsInput } from './schemas/get-expiries.js';
import type { GetSwarmParams, GetSwarmParamsInput } from './schemas/get-swarm.js';
import type { RetrieveParams, RetrieveParamsInput } from './schemas/retrieve.js';
import type { ServiceNodesQuery, ServiceNodesQueryInput } from './schemas/seed.js';
import type { StoreParams, StoreParamsInput } from './schemas/store.js';
import type {
  RevokeSubaccountParamsInput,
  SubaccountRevocationParams,
  UnrevokeSubaccountParamsInput,
} from './schemas/subaccount.js';

type Maybe<T> = T | null | undefined;

function present<T>(value: Maybe<T>): value is T {
  return value !== undefined && value !== null;
}

function fail(what: string, field: string, message: string): never {
  throw new InvalidInputError(`${what}: ${message}`, { details: { field } });
}

/**
 * The value of `name`, or else of its legacy alias `alias`. When both are given the snake_case
 * `name` wins and the alias is ignored, as Session's storage server does (it reads the snake_case
 * key; some clients send both, with the same value). See {@link ignoredAliases} for the log line.
 */
function eitherOf<T>(
  _what: string,
  _name: string,
  value: Maybe<T>,
  _alias: string,
  aliasValue: Maybe<T>,
): T | undefined {
  if (present(value)) return value;
  return present(aliasValue) ? aliasValue : undefined;
}

/** A number from a number or a decimal string, which must be a safe integer. */
function integerOf(what: string, field: string, value: number | string, description: string) {
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(number)) fail(what, field, `\`${field}\` must be ${description}`);
  return number;
}

function timestampOf(what: string, field: string, value: number | string): number {
  const timestamp = integerOf(what, field, value, 'a Unix timestamp in milliseconds');
  if (timestamp < MIN_TIMESTAMP_MS) {
    fail(what, field, `\`${field}\` must be a Unix timestamp in milliseconds`);
  }
  return timestamp;
}

function accountPubkey(what: string, input: { pubkey?: Maybe<string>; pubKey?: Maybe<string> }) {
  const pubkey = eitherOf(what, 'pubkey', input.pubkey, 'pubKey', input.pubKey);
  if (pubkey === undefined) fail(what, 'pubkey', '`pubkey` is required');
  return pubkey.toLowerCase();
}

/** Checks that an Ed25519 signing key is only given for a `05` (Session ID) account. */
function ed25519For(what: string, pubkey: string, ed25519: Maybe<string>): string | undefined {
  if (!present(ed25519)) return undefined;
  if (!pubkey.startsWith('05')) {
    fail(
      what,
      'pubkey_ed25519',
      '`pubkey_ed25519` is only allowed with a `05` pubkey (other accounts sign with the pubkey itself)',
    );
  }
  return ed25519.toLowerCase();
}

interface AuthInput {
  pubkey_ed25519?: Maybe<string>;
  subaccount?: Maybe<string>;
  subaccount_sig?: Maybe<string>;
}

/** Copies the optional signing key and subaccount fields onto `out`. */
function addAuth<T extends Partial<SignedAccount>>(
  what: string,
  pubkey: string,
  input: AuthInput,
  out: T,
): T {
  const ed25519 = ed25519For(what, pubkey, input.pubkey_ed25519);
  if (ed25519 !== undefined) out.pubkey_ed25519 = ed25519;
  if (present(input.subaccount)) {
    if (!present(input.subaccount_sig)) {
      fail(what, 'subaccount_sig', '`subaccount_sig` is required with `subaccount`');
    }
    out.subaccount = input.subaccount;
    out.subaccount_sig = input.subaccount_sig;
  }
  return out;
}

function signedAccount(
  what: string,
  input: AuthInput & { pubkey: string; signature: string },
): SignedAccount {
  const pubkey = input.pubkey.toLowerCase();
  return addAuth(what, pubkey, input, { pubkey, signature: input.signature });
}

function hashList(value: string | string[]): string[] {
  return typeof value === 'string' ? [value] : [...value];
}

/** `store`. */
export function normalizeStore(input: StoreParamsInput, what: string): StoreParams {
  const pubkey = accountPubkey(what, input);
  const timestamp = timestampOf(what, 'timestamp', input.timestamp);
  const hasTtl = present(input.ttl);
  const hasExpiry = present(input.expiry);
  if (hasTtl === hasExpiry) fail(what, 'ttl', 'give exactly one of `ttl` and `expiry`');
  let ttl: number | undefined;
  let expiry: number;
  if (present(input.ttl)) {
    ttl = integerOf(what, 'ttl', input.ttl, 'an integer number of milliseconds');
    expiry = timestamp + ttl;
    if (!Number.isSafeInteger(expiry)) fail(what, 'ttl', '`timestamp` + `ttl` is too large');
  } else {
    expiry = input.expiry as number;
  }
  const out: StoreParams = {
    pubkey,
    namespace: present(input.namespace) && input.namespace !== 0 ? input.namespace : 0,
    timestamp,
    expiry,
    data: input.data,
  };
  if (ttl !== undefined) out.ttl = ttl;
  if (present(input.signature)) {
    out.signature = input.signature;
    out.sig_timestamp = present(input.sig_timestamp) ? input.sig_timestamp : timestamp;
    addAuth(what, pubkey, input, out);
  }
  // Unsigned: like Session nodes, ignore any signing key or subaccount fields.
  return out;
}

/** `retrieve`. */
export function normalizeRetrieve(input: RetrieveParamsInput, what: string): RetrieveParams {
  const pubkey = accountPubkey(what, input);
  const lastHash = eitherOf(what, 'last_hash', input.last_hash, 'lastHash', input.lastHash);
  const maxSize = eitherOf(what, 'max_size', input.max_size, 'maxSize', input.maxSize);
  const ed25519 = eitherOf(
    what,
    'pubkey_ed25519',
    input.pubkey_ed25519,
    'pubkeyEd25519',
    input.pubkeyEd25519,
  );
  const out: RetrieveParams = {
    pubkey,
    namespace: present(input.namespace) && input.namespace !== 0 ? input.namespace : 0,
  };
  if (lastHash !== undefined && lastHash !== '') out.last_hash = lastHash;
  if (present(input.max_count) && input.max_count !== 0) out.max_count = input.max_count;
  if (maxSize !== undefined && maxSize !== 0) out.max_size = maxSize;
  const signed = present(input.signature) || present(input.timestamp) || ed25519 !== undefined;
  if (signed) {
    if (!present(input.signature)) {
      fail(what, 'signature', '`signature` is required with `timestamp` or `pubkey_ed25519`');
    }
    if (!present(input.timestamp))
      fail(what, 'timestamp', '`timestamp` is required with `signature`');
    out.signature = input.signature;
    out.timestamp = input.timestamp;
    addAuth(
      what,
      pubkey,
      {
        pubkey_ed25519: ed25519,
        subaccount: input.subaccount,
        subaccount_sig: input.subaccount_sig,
      },
      out,
    );
  } else if (present(input.subaccount)) {
    fail(what, 'signature', '`signature` is required with `subaccount`');
  }
  return out;
}

/** `delete`. */
export function normalizeDelete(input: DeleteParamsInput, what: string): DeleteParams {
  return {
    ...signedAccount(what, input),
    messages: hashList(input.messages),
    required: input.required === true,
  };
}

function namespaceOrAll(value: Maybe<number | 'all'>): number | 'all' {
  if (!present(value) || value === 0) return 0;
  return value;
}

/** `delete_all`. */
export function normalizeDeleteAll(input: DeleteAllParamsInput, what: string): DeleteAllParams {
  return {
    ...signedAccount(what, input),
    namespace: namespaceOrAll(input.namespace),
    timestamp: input.timestamp,
  };
}

/** `delete_before`. */
export function normalizeDeleteBefore(
  input: DeleteBeforeParamsInput,
  what: string,
): DeleteBeforeParams {
  return {
    ...signedAccount(what, input),
    namespace: namespaceOrAll(input.namespace),
    before: input.before,
  };
}

/** `expire`. */
export function normalizeExpire(input: ExpireParamsInput, what: string): ExpireParams {
  const messages = hashList(input.messages);
  const expiry = typeof input.expiry === 'number' ? [input.expiry] : [...input.expiry];
  const shorten = input.shorten === true;
  const extend = input.extend === true;
  if (shorten && extend) fail(what, 'shorten', 'give at most one of `shorten` and `extend`');
  if (expiry.length > 1 && expiry.length !== messages.length) {
    fail(
      what,
      'expiry',
      `\`expiry\` must be one timestamp or one per message (${messages.length}), got ${expiry.length}`,
    );
  }
  return { ...signedAccount(what, input), messages, expiry, shorten, extend };
}

/** `expire_all`. */
export function normalizeExpireAll(input: ExpireAllParamsInput, what: string): ExpireAllParams {
  return {
    ...signedAccount(what, input),
    namespace: namespaceOrAll(input.namespace),
    expiry: input.expiry,
  };
}

/** `get_expiries`. */
export function normalizeGetExpiries(
  input: GetExpiriesParamsInput,
  what: string,
): GetExpiriesParams {
  const messages = hashList(input.messages);
  if (messages.length > 1 && messages.includes('all')) {
    fail(what, 'messages', '`messages` must be hashes, or the single word "all"');
  }
  return { ...signedAccount(what, input), messages, timestamp: input.timestamp };
}

/** `get_swarm`. */
export function normalizeGetSwarm(input: GetSwarmParamsInput, what: string): GetSwarmParams {
  return { pubkey: accountPubkey(what, input) };
}

/** `revoke_subaccount` / `unrevoke_subaccount`. */
export function normalizeRevocation(
  input: RevokeSubaccountParamsInput | UnrevokeSubaccountParamsInput,
  what: string,
): SubaccountRevocationParams {
  const tokens = 'revoke' in input ? input.revoke : input.unrevoke;
  const pubkey = input.pubkey.toLowerCase();
  const out: SubaccountRevocationParams = {
    pubkey,
    tokens: typeof tokens === 'string' ? [tokens] : [...tokens],
    timestamp: input.timestamp,
    signature: input.signature,
  };
  const ed25519 = ed25519For(what, pubkey, input.pubkey_ed25519);
  if (ed25519 !== undefined) out.pubkey_ed25519 = ed25519;
  return out;
}

/** Node-list parameters (seed endpoint and `oxend_request get_service_nodes`). */
export function normalizeServiceNodesQuery(
  input: Maybe<ServiceNodesQueryInput>,
): ServiceNodesQuery {
  const out: ServiceNodesQuery = { active_only: input?.active_only === true };
  if (present(input?.limit) && input.limit !== 0) out.limit = input.limit < 0 ? -1 : input.limit;
  if (present(input?.fields)) {
    const names = Array.isArray(input.fields)
      ? input.fields
      : Object.entries(input.fields)
          .filter(([, wanted]) => wanted)
          .map(([name]) => name);
    // "all" (alone in a list, or anywhere in the object, as oxend reads it): every field.
    const all = Array.isArray(input.fields)
      ? names.length === 1 && names[0] === 'all'
      : names.includes('all');
    if (!all) out.fields = [...new Set(names)];
  }
  return out;
}
