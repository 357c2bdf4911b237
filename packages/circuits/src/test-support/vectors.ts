/** The known-answer vectors of the circuit tests, shown in docs/PROTOCOL.md as worked examples. */
import { filled } from './crypto.js';

/** The worked example of docs/PROTOCOL.md (murmur-ntor). */
export const NTOR_EXAMPLE = {
  relayEd25519Seed: filled(0x01),
  relayX25519Secret: filled(0x02),
  clientEphemeralSecret: filled(0x03),
  relayEphemeralSecret: filled(0x04),
  expected: {
    id: '8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c',
    b: 'ce8d3ad1ccb633ec7b70c17814a5c76ecd029685050d344745ba05870e587d59',
    x: '5dfedd3b6bd47f6fa28ee15d969d5bb0ea53774d488bdaf9df1c6e0124b3ef22',
    y: 'ac01b2209e86354fb853237b5de0f4fab13c7fcbf433a61c019369617fecf10b',
    auth: '7694a921dd47b60b9c3540d481f92ee25651b782b2b177b006138ca2aaa2bd44',
    kf: 'adca3b3dcac36fbd4ef6adb219e430391686a8035a424a4babc284c15e5efc5c',
    kb: '66eed81fa5f6f98fa40a5967147d23353e08791b20a123fe2413bc1f1da75c7c',
  },
};

/** The worked example of docs/PROTOCOL.md (layers): fixed keys, a PING to the exit. */
export const LAYER_EXAMPLE = {
  keys: [1, 2, 3].map((hop) => ({ kf: filled(0x10 + hop), kb: filled(0x20 + hop) })),
  token: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
  expected: {
    forwardSha256: 'f4719797ddc3e4b11e6e8047bbe5d866de8616bef3af15a382cdba1b751ab222',
    forwardHead: 'a5c94a985e4d8ad21677bfa7500a1549',
    backwardSha256: 'eba16ac65a63ebad6020dc3e9e2fc844feec595f273ae0a34191d6c31f0f9eb1',
    backwardHead: '6100f392dcd47137223ae17b14a4506b',
    exitTag: '742964a6db8152cf7af8f506be7e0bd9',
  },
};
