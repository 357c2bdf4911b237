/**
 * Checking who signed a storage RPC request, as Session's storage server does:
 *
 * - a `05` account (Session ID, an X25519 key) that gives `pubkey_ed25519` signs with that
 *   Ed25519 key; the node checks that this key converts to the account's X25519 key;
 * - any other account (`03` groups, ...), and a `05` account without `pubkey_ed25519`, signs
 *   with the 32 key bytes of the pubkey itself (Session's `verify_signature` in
 *   `oxenss/rpc/request_handler.cpp` does the same: the bytes are taken as an Ed25519 key);
 * - a subaccount signs with the key inside its token, which the account signed
 *   (`subaccount_sig`), which carries the permissions the method needs and which the account has
 *   not revoked.
 */
import type { SignedRequestMethod, SignedRequestParams } from '@murmur/crypto';
import {
  BadSignatureError,
  base64ToBytes,
  hexToBytes,
  InvalidInputError,
  isHex,
} from '@murmur/wire';
import { SUBACCOUNT_TOKEN_BYTES } from '@murmur/wire/server';
import type { RpcContext } from './context.js';
import { nodeSignature } from './swarm-wide.js';

/** Subaccount permission flags (SS `subaccount_access`). */
export const SubaccountAccess = Object.freeze({
  None: 0,
  Read: 0x01,
  Write: 0x02,
  Delete: 0x04,
  AnyPrefix: 0x08,
});

/** The account fields of a signed request. */
export interface SignedAccountInput {
  pubkey: string;
  pubkey_ed25519?: string | undefined;
  subaccount?: string | undefined;
  subaccount_sig?: string | undefined;
}

/** What {@link verifyRequestSignature} needs beyond the account. */
export interface SignatureCheck {
  method: SignedRequestMethod;
  /** The fields the signature covers. */
  signed: SignedRequestParams;
  /** The signature, base64. */
  signature: string;
  /** Permissions a subaccount needs; `undefined` when subaccounts may not make this request. */
  access: number | undefined;
  /** Accept a revoked subaccount (namespaces revoked subaccounts may still read). */
  allowRevoked?: boolean | undefined;
}

/** A parsed subaccount token. */
export interface SubaccountToken {
  bytes: Uint8Array;
  prefix: number;
  flags: number;
  publicKey: Uint8Array;
}

/** The bytes of a subaccount token given as hex (72 characters) or base64 (48). */
export function parseSubaccountToken(text: string, method: string): SubaccountToken {
  let bytes: Uint8Array;
  try {
    bytes = isHex(text, SUBACCOUNT_TOKEN_BYTES)
      ? hexToBytes(text)
      : base64ToBytes(text, { field: 'subaccount' });
  } catch (cause) {
    throw new InvalidInputError(`${method}: \`subaccount\` is not a valid subaccount token`, {
      cause,
      details: { field: 'subaccount' },
    });
  }
  if (bytes.length !== SUBACCOUNT_TOKEN_BYTES) {
    throw new InvalidInputError(
      `${method}: \`subaccount\` must be ${SUBACCOUNT_TOKEN_BYTES} bytes`,
      { details: { field: 'subaccount' } },
    );
  }
  return {
    bytes,
    prefix: bytes[0] as number,
    flags: bytes[1] as number,
    publicKey: bytes.subarray(4, 36),
  };
}

/** What is left to check once the keys and the subaccount token passed: the signature itself. */
interface PreparedSignature {
  method: SignedRequestMethod;
  signed: SignedRequestParams;
  signature: string;
  verifyKey: Uint8Array;
}

function signatureFailed(method: string): BadSignatureError {
  return new BadSignatureError(`${method} signature verification failed`, {
    details: { field: 'signature' },
  });
}

/**
 * Checks the signature of a request made for `account`.
 *
 * @throws {@link BadSignatureError} (401) naming what did not match.
 */
export function verifyRequestSignature(
  context: RpcContext,
  account: SignedAccountInput,
  check: SignatureCheck,
): void {
  const prepared = prepareSignature(context, account, check);
  let verified: boolean;
  try {
    verified = context.crypto.verifyRequest(
      prepared.method,
      prepared.signed,
      prepared.signature,
      prepared.verifyKey,
    );
  } catch {
    verified = false;
  }
  if (!verified) throw signatureFailed(prepared.method);
}

/**
 * {@link verifyRequestSignature}, with the Ed25519 check on a worker thread when the context has
 * a crypto offload (the hot path of `store`).
 */
export async function verifyRequestSignatureAsync(
  context: RpcContext,
  account: SignedAccountInput,
  check: SignatureCheck,
): Promise<void> {
  if (context.offload === undefined) {
    verifyRequestSignature(context, account, check);
    return;
  }
  const prepared = prepareSignature(context, account, check);
  const verified = await context.offload.verifyRequest(
    prepared.method,
    prepared.signed,
    prepared.signature,
    prepared.verifyKey,
  );
  if (!verified) throw signatureFailed(prepared.method);
}

/**
 * {@link verifyRequestSignature}, then the node's signature of `text` (base64), in one job on a
 * worker thread when the context has a crypto offload (a store's hash: one trip to the worker
 * instead of two). Nothing is signed for a request whose signature is wrong.
 *
 * @throws {@link BadSignatureError} (401) naming what did not match.
 */
export async function verifyRequestSignatureAndSign(
  context: RpcContext,
  account: SignedAccountInput,
  check: SignatureCheck,
  text: string,
): Promise<string> {
  if (context.offload === undefined) {
    verifyRequestSignature(context, account, check);
    return nodeSignature(context, text);
  }
  const prepared = prepareSignature(context, account, check);
  const signature = await context.offload.verifyRequestAndSign(
    prepared.method,
    prepared.signed,
    prepared.signature,
    prepared.verifyKey,
    text,
  );
  if (signature === undefined) throw signatureFailed(prepared.method);
  return signature;
}

/** Every check but the request signature itself. */
function prepareSignature(
  context: RpcContext,
  account: SignedAccountInput,
  check: SignatureCheck,
): PreparedSignature {
  const { crypto } = context;
  const { method } = check;
  const pubkey = account.pubkey;
  const keyBytes = hexToBytes(pubkey.slice(2), { length: 32, field: 'pubkey' });
  let ownerKey: Uint8Array;
  if (pubkey.startsWith('05') && account.pubkey_ed25519 !== undefined) {
    ownerKey = hexToBytes(account.pubkey_ed25519, { length: 32, field: 'pubkey_ed25519' });
    // The conversion costs about as much as the signature check: remember the pairs that matched.
    const pair = `${account.pubkey_ed25519.toLowerCase()}${pubkey.slice(2).toLowerCase()}`;
    if (context.ownerKeyCache?.has(pair) !== true) {
      let converted: Uint8Array;
      try {
        converted = crypto.ed25519PublicKeyToX25519(ownerKey);
      } catch {
        throw new BadSignatureError(`${method}: \`pubkey_ed25519\` is not a valid Ed25519 key`, {
          details: { field: 'pubkey_ed25519' },
        });
      }
      if (!crypto.equalConstantTime(converted, keyBytes)) {
        throw new BadSignatureError(
          `${method}: \`pubkey_ed25519\` does not belong to \`pubkey\` (its X25519 form differs)`,
          { details: { field: 'pubkey_ed25519' } },
        );
      }
      context.ownerKeyCache?.add(pair);
    }
  } else {
    ownerKey = keyBytes;
  }

  let verifyKey = ownerKey;
  if (account.subaccount !== undefined) {
    if (check.access === undefined) {
      throw new BadSignatureError(`${method}: subaccounts may not make this request`, {
        details: { field: 'subaccount' },
      });
    }
    const token = parseSubaccountToken(account.subaccount, method);
    const prefix = Number.parseInt(pubkey.slice(0, 2), 16);
    if (token.prefix !== prefix && (token.flags & SubaccountAccess.AnyPrefix) === 0) {
      throw new BadSignatureError(`${method}: the subaccount token is for another network prefix`, {
        details: { field: 'subaccount' },
      });
    }
    if ((token.flags & check.access) !== check.access) {
      throw new BadSignatureError(
        `${method}: the subaccount is missing the permissions this request needs`,
        { details: { field: 'subaccount' } },
      );
    }
    const tokenSignature = base64ToBytes(account.subaccount_sig ?? '', {
      field: 'subaccount_sig',
    });
    if (!crypto.verify(tokenSignature, token.bytes, ownerKey)) {
      throw new BadSignatureError(`${method}: the subaccount token signature verification failed`, {
        details: { field: 'subaccount_sig' },
      });
    }
    if (check.allowRevoked !== true && context.store.isSubaccountRevoked(pubkey, token.bytes)) {
      throw new BadSignatureError(`${method}: the subaccount has been revoked`, {
        details: { field: 'subaccount' },
      });
    }
    verifyKey = token.publicKey;
  }
  return { method, signed: check.signed, signature: check.signature, verifyKey };
}
