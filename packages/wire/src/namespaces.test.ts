import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TTL_MAX_PRIVATE_MS, TTL_MAX_PUBLIC_MS, TTL_MIN_MS } from './constants.js';
import { InvalidInputError } from './errors.js';
import {
  isPublicInbox,
  isPublicOutbox,
  isRevokedRetrievable,
  isTtlInRange,
  isValidNamespace,
  maxTtlMs,
  Namespace,
  namespaceSignaturePart,
  retrieveRequiresAuth,
  storeRequiresAuth,
} from './namespaces.js';

const anyNamespace = fc.integer({ min: -32_768, max: 32_767 });

describe('Namespace', () => {
  it('has Session’s numbers', () => {
    expect(Namespace).toEqual({
      Default: 0,
      UserProfile: 2,
      Contacts: 3,
      ConvoInfoVolatile: 4,
      UserGroups: 5,
      GroupMessages: 11,
      GroupKeys: 12,
      GroupInfo: 13,
      GroupMembers: 14,
      RevokedRetrievableGroupMessages: -11,
      LegacyClosedGroup: -10,
      AccountKeys: -21,
    });
    expect(Object.isFrozen(Namespace)).toBe(true);
    expect(isPublicOutbox(Namespace.AccountKeys)).toBe(true);
    expect(retrieveRequiresAuth(Namespace.AccountKeys)).toBe(false);
    expect(storeRequiresAuth(Namespace.AccountKeys)).toBe(true);
  });

  it.each([
    // namespace, public inbox, public outbox, revoked-retrievable, store auth, retrieve auth, max TTL
    [0, true, false, false, false, true, TTL_MAX_PUBLIC_MS],
    [2, false, false, false, true, true, TTL_MAX_PRIVATE_MS],
    [3, false, false, false, true, true, TTL_MAX_PRIVATE_MS],
    [5, false, false, false, true, true, TTL_MAX_PRIVATE_MS],
    [11, false, false, false, true, true, TTL_MAX_PRIVATE_MS],
    [60, true, false, false, false, true, TTL_MAX_PUBLIC_MS],
    [-10, true, false, false, false, false, TTL_MAX_PUBLIC_MS],
    [-30, true, false, false, false, true, TTL_MAX_PUBLIC_MS],
    [-1, false, true, false, true, false, TTL_MAX_PRIVATE_MS],
    [-21, false, true, false, true, false, TTL_MAX_PRIVATE_MS],
    [-41, false, true, false, true, false, TTL_MAX_PRIVATE_MS],
    [-11, false, false, true, true, true, TTL_MAX_PRIVATE_MS],
    [-111, false, false, true, true, true, TTL_MAX_PRIVATE_MS],
    [-211, false, false, true, true, true, TTL_MAX_PRIVATE_MS],
    [-2, false, false, false, true, true, TTL_MAX_PRIVATE_MS],
    [1, false, false, false, true, true, TTL_MAX_PRIVATE_MS],
    [21, false, false, false, true, true, TTL_MAX_PRIVATE_MS],
    [-32_768, false, false, false, true, true, TTL_MAX_PRIVATE_MS],
    [32_767, false, false, false, true, true, TTL_MAX_PRIVATE_MS],
    [32_760, true, false, false, false, true, TTL_MAX_PUBLIC_MS],
  ])(
    'namespace %i follows the rules',
    (ns, inbox, outbox, revoked, storeAuth, retrieveAuth, ttl) => {
      expect(isPublicInbox(ns)).toBe(inbox);
      expect(isPublicOutbox(ns)).toBe(outbox);
      expect(isRevokedRetrievable(ns)).toBe(revoked);
      expect(storeRequiresAuth(ns)).toBe(storeAuth);
      expect(retrieveRequiresAuth(ns)).toBe(retrieveAuth);
      expect(maxTtlMs(ns)).toBe(ttl);
    },
  );
});

describe('isValidNamespace', () => {
  it.each([0, 1, -1, -32_768, 32_767])('accepts %s', (value) => {
    expect(isValidNamespace(value)).toBe(true);
  });

  it.each([-32_769, 32_768, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '0', null, undefined, 10n])(
    'rejects %s',
    (value) => {
      expect(isValidNamespace(value)).toBe(false);
    },
  );

  it('makes every rule refuse an invalid namespace with a clear error', () => {
    for (const rule of [
      isPublicInbox,
      isPublicOutbox,
      isRevokedRetrievable,
      storeRequiresAuth,
      retrieveRequiresAuth,
      maxTtlMs,
      namespaceSignaturePart,
    ]) {
      expect(() => rule(40_000)).toThrow(InvalidInputError);
      expect(() => rule(0.5)).toThrow(/namespace must be an integer from -32768 to 32767/);
    }
  });
});

describe('namespace rules (properties)', () => {
  it('public inbox means divisible by 10', () => {
    fc.assert(fc.property(anyNamespace, (ns) => isPublicInbox(ns) === (ns % 10 === 0)));
  });

  it('store needs a signature exactly outside public inboxes', () => {
    fc.assert(fc.property(anyNamespace, (ns) => storeRequiresAuth(ns) === !isPublicInbox(ns)));
  });

  it('retrieve needs a signature except in -10 and public outboxes', () => {
    fc.assert(
      fc.property(anyNamespace, (ns) => {
        const open = ns === -10 || (ns < 0 && -ns % 20 === 1);
        return retrieveRequiresAuth(ns) === !open;
      }),
    );
  });

  it('public outboxes are negative, never public inboxes, and one in twenty', () => {
    fc.assert(
      fc.property(anyNamespace, (ns) => {
        if (!isPublicOutbox(ns)) return true;
        return ns < 0 && !isPublicInbox(ns) && (-ns - 1) % 20 === 0;
      }),
    );
  });

  it('revoked-retrievable namespaces end in 11 and are negative', () => {
    fc.assert(
      fc.property(anyNamespace, (ns) => isRevokedRetrievable(ns) === (ns < 0 && -ns % 100 === 11)),
    );
  });

  it('the max TTL is 14 days in public inboxes and 30 days elsewhere', () => {
    fc.assert(
      fc.property(
        anyNamespace,
        (ns) => maxTtlMs(ns) === (ns % 10 === 0 ? TTL_MAX_PUBLIC_MS : TTL_MAX_PRIVATE_MS),
      ),
    );
  });

  it('the signature part is empty only for 0 and round-trips otherwise', () => {
    fc.assert(
      fc.property(anyNamespace, (ns) => {
        const part = namespaceSignaturePart(ns);
        return ns === 0 ? part === '' : Number(part) === ns && part === String(ns);
      }),
    );
  });
});

describe('namespaceSignaturePart', () => {
  it.each([
    [0, ''],
    [-0, ''],
    [3, '3'],
    [-11, '-11'],
    ['all' as const, 'all'],
  ])('%s → %j', (ns, part) => {
    expect(namespaceSignaturePart(ns)).toBe(part);
  });
});

describe('isTtlInRange', () => {
  it('is inclusive at both ends', () => {
    expect(isTtlInRange(0, TTL_MIN_MS)).toBe(true);
    expect(isTtlInRange(0, TTL_MIN_MS - 1)).toBe(false);
    expect(isTtlInRange(0, TTL_MAX_PUBLIC_MS)).toBe(true);
    expect(isTtlInRange(0, TTL_MAX_PUBLIC_MS + 1)).toBe(false);
    expect(isTtlInRange(3, TTL_MAX_PRIVATE_MS)).toBe(true);
    expect(isTtlInRange(3, TTL_MAX_PRIVATE_MS + 1)).toBe(false);
    expect(isTtlInRange(3, 20_000.5)).toBe(false);
  });
});
