/**
 * Session's exact error bodies for the storage RPC. Session's clients and tests compare some of
 * these texts, so a refusal is answered with the text Session's server gives for it (read from
 * session-storage-server `oxenss/rpc/request_handler.cpp`, `process_client_req`, and
 * `oxenss/rpc/client_rpc_endpoints.cpp`, whose `parse_error`s are answered 400
 * `"invalid request: " + what()`). Murmur's more detailed reason goes to the node's log.
 *
 * The text is picked from the error's class (its `code`), the method and the field the error
 * names — never from the error's own message — and, where Session words two cases of one field
 * differently (a missing signature or a malformed one), from the request's raw parameters.
 */
import { MurmurError } from '@murmur/wire';
import { MAX_REVOKED_SUBACCOUNTS } from '@murmur/wire/server';

/** 401 for a signature that does not verify, whatever the reason (revoked or under-privileged subaccount, wrong key, bad signature). */
const SIGNATURE_FAILED: Readonly<Record<string, string>> = Object.freeze({
  store: 'store signature verification failed',
  retrieve: 'retrieve signature verification failed',
  delete: 'delete_msgs signature verification failed',
  delete_all: 'delete_all signature verification failed',
  delete_before: 'delete_before signature verification failed',
  expire: 'expire: signature verification failed',
  expire_all: 'expire_all signature verification failed',
  get_expiries: 'get_expiries signature verification failed',
  revoke_subaccount: 'revoke_subaccount signature verification failed',
  unrevoke_subaccount: 'unrevoke_subaccount signature verification failed',
});

/** A request or signature timestamp out of tolerance (the status is the error's own). */
const CLOCK: Readonly<Record<string, string>> = Object.freeze({
  store: 'Timestamp error: check your clock',
  retrieve: 'retrieve timestamp too far from current time',
  delete_all: 'delete_all timestamp too far from current time',
  delete_before: 'delete_before timestamp too far in the future',
  expire: 'expire: timestamp should be >= current time',
  expire_all: 'expire_all timestamp should be >= current time',
  get_expiries: 'get_expiries timestamp too far from current time',
  revoke_subaccount: 'revoke_subaccount timestamp too far from current time',
  unrevoke_subaccount: 'unrevoke_subaccount timestamp too far from current time',
});

/** `store` with a signature timestamp (not the message's) out of tolerance. */
const STORE_SIGNATURE_CLOCK = 'store signature timestamp too far from current time';
/** `store` with a TTL or expiry out of range (403). */
const TTL_INVALID = 'Provided expiry/TTL is not valid.';
/** A request whose handling failed unexpectedly (500). */
const REQUEST_FAILED = 'request failed';
/** The prefix of every 400 for request parameters Session cannot parse. */
const INVALID_REQUEST = 'invalid request: ';
/** Session's batch texts. */
const META_SUBREQUEST = 'Invalid batch subrequest: subrequests may not contain meta-requests';
/** Session's `BATCH_REQUEST_MAX`. */
const BATCH_REQUEST_MAX = 20;
const META_METHODS = new Set(['batch', 'sequence', 'ifelse']);
const BASE64_SIGNATURE = /^[A-Za-z0-9+/]{86}(?:==)?$/;

function rawField(raw: Record<string, unknown>, name: string): unknown {
  return raw[name];
}

function listLength(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

function present(raw: Record<string, unknown>, name: string): boolean {
  return raw[name] !== undefined && raw[name] !== null;
}

function firstPresent(raw: Record<string, unknown>, ...names: string[]): unknown {
  for (const name of names) if (present(raw, name)) return raw[name];
  return undefined;
}

/** Session's `parse_error` text for a problem with the top-level field `field`, if it has one. */
function parseErrorText(field: string, raw: Record<string, unknown>): string | undefined {
  const batchMethod = /^requests\[(\d+)\]\.method$/.exec(field);
  if (batchMethod !== null) {
    const listed = rawField(raw, 'requests');
    const requests: unknown[] = Array.isArray(listed) ? listed : [];
    const method = (requests[Number(batchMethod[1])] as { method?: unknown } | undefined)?.method;
    if (typeof method !== 'string') {
      return 'Invalid batch request: subrequests must have method/params keys';
    }
    return META_METHODS.has(method)
      ? META_SUBREQUEST
      : `Invalid batch subrequest: invalid method "${method}"`;
  }
  switch (field) {
    case 'requests': {
      const requests = rawField(raw, 'requests');
      if (!Array.isArray(requests) || requests.length === 0) {
        return 'Invalid batch request: no valid "requests" field';
      }
      return requests.length > BATCH_REQUEST_MAX
        ? 'Invalid batch request: subrequest limit exceeded'
        : undefined;
    }
    case 'pubkey':
      return firstPresent(raw, 'pubkey', 'pubKey') === undefined
        ? "Required field 'pubkey' missing"
        : 'Pubkey must be 66 hex digits (33 bytes) long';
    case 'namespace': {
      const value = rawField(raw, 'namespace');
      return typeof value === 'number' && Number.isInteger(value)
        ? "Invalid value given for 'namespace': value out of range"
        : undefined;
    }
    case 'signature': {
      const value = rawField(raw, 'signature');
      if (value === undefined || value === null) return "Required field 'signature' missing";
      return typeof value === 'string' && BASE64_SIGNATURE.test(value)
        ? undefined
        : 'invalid signature: expected base64 encoded Ed25519 signature';
    }
    case 'pubkey_ed25519': {
      const pubkey = firstPresent(raw, 'pubkey', 'pubKey');
      const value = firstPresent(raw, 'pubkey_ed25519', 'pubkeyEd25519');
      if (typeof pubkey === 'string' && !pubkey.startsWith('05')) {
        return 'pubkey_ed25519 is only permitted for 05[...] pubkeys';
      }
      if (typeof value === 'string' && value.length === 64) {
        return 'invalid pubkey_ed25519: value is not hex';
      }
      return 'Invalid pubkey_ed25519: expected 64 hex char or 32 byte pubkey';
    }
    case 'subaccount':
      return present(raw, 'subaccount_sig')
        ? 'invalid subaccount: expected base64 or hex-encoded subaccount token'
        : 'invalid subaccount: subaccount_sig is required when using subaccount';
    case 'subaccount_sig':
      return present(raw, 'subaccount_sig')
        ? 'invalid subaccount signature: expected base64 encoded Ed25519 signature'
        : 'invalid subaccount: subaccount_sig is required when using subaccount';
    case 'revoke':
      if (listLength(rawField(raw, 'revoke')) > MAX_REVOKED_SUBACCOUNTS) {
        return `invalid revoke: cannot revoke more than ${MAX_REVOKED_SUBACCOUNTS} subaccounts at once`;
      }
      return present(raw, field) ? undefined : `Required field '${field}' missing`;
    case 'timestamp':
    case 'expiry':
    case 'before':
    case 'data':
    case 'messages':
    case 'unrevoke':
      return present(raw, field) ? undefined : `Required field '${field}' missing`;
    default:
      return undefined;
  }
}

function fieldOf(error: MurmurError): string {
  const field = (error.details as { field?: unknown } | undefined)?.field;
  return typeof field === 'string' ? field : '';
}

/**
 * The body Session's server answers for `error` in `method` (`"request"` for a body that is not
 * a request at all), or undefined to keep the answer `responseFromError` gives (421, 503, 404,
 * ...). `raw` is the request's parameters as sent.
 */
export function sessionErrorBody(
  error: unknown,
  method: string,
  raw: Record<string, unknown> = {},
): string | undefined {
  // Session's handler answers any exception "request failed" (500); nothing about it leaves the node.
  if (!MurmurError.isInstance(error)) return REQUEST_FAILED;
  switch (error.code) {
    case 'INTERNAL':
      return REQUEST_FAILED;
    case 'BAD_SIGNATURE':
      return SIGNATURE_FAILED[method];
    case 'CLOCK_OUT_OF_SYNC':
      if (method === 'store' && fieldOf(error) === 'sig_timestamp') return STORE_SIGNATURE_CLOCK;
      return CLOCK[method];
    case 'TTL_OUT_OF_RANGE':
      return method === 'store' ? TTL_INVALID : undefined;
    case 'INVALID_INPUT': {
      const field = fieldOf(error);
      if (method === 'request') {
        if (field === 'method') return 'invalid json: no `method` field';
        if (field === 'params') return 'invalid json: no `params` field';
        // Not JSON, or not an object. (Session ignores other members; Murmur checks `jsonrpc`.)
        return field === '' || field === 'the body' ? 'invalid json' : undefined;
      }
      if (field === 'method') return `no method ${method}`;
      // A subrequest's own field names a field of that subrequest, not of `raw`.
      const known =
        (method === 'batch' || method === 'sequence') && !field.startsWith('requests')
          ? undefined
          : parseErrorText(field, raw);
      return `${INVALID_REQUEST}${known ?? error.message}`;
    }
    default:
      return undefined;
  }
}
