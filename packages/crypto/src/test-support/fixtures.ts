/**
 * Fixed vectors for the tests. The RFC and BIP39 values are typed in from their sources; the
 * Murmur known-answer values were computed once (and checked independently with Python's
 * `cryptography` and `hashlib`), then frozen here. docs/PROTOCOL.md shows the same values.
 */
import type { SignedRequestMethod, SignedRequestParams } from '../types.js';

/** Bytes of a hex string (test data only; no validation). */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** `start, start + 1, …` as `length` bytes. */
export function sequence(start: number, length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);
}

/** RFC 8032 section 7.1, Ed25519 tests 1, 2, 3 and 1024. */
export const RFC8032 = [
  {
    name: 'TEST 1',
    secretKey: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2',
    secretKey: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3',
    secretKey: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
  {
    name: 'TEST 1024',
    secretKey: 'f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5',
    publicKey: '278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e',
    message: `
      08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1e355f6c5
      0544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d658675fc6ea534e0
      810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82
      d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e06203b33890cc9b832f79ef80560ccb9
      a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7aff6f6c9
      4fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed185ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5
      d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88
      425de6bde1a9187ebb6092cf67bf2b13fd65f27088d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc
      2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80
      c3414a8d0859dc65a46128bab27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae078
      4504df543af8969be3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9
      b47acdb751fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988d
      cda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34dff7310fdc
      82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7984a74d371459867
      80fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e488acba6b965610b5480109c8
      b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e
      6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5fb93246f6b1116398a346f1a641f3b041e989f791
      4f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45
      a96768d40fd9d03412c091c6315cf4fde7cb68606937380db2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac
      86aba41c0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0`,
    signature:
      '0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03',
  },
] as const;

/** RFC 7748 section 5.2: two scalar multiplications and the iterated test (1 and 1000 rounds). */
export const RFC7748_SCALAR_MULT = [
  {
    scalar: 'a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4',
    u: 'e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c',
    output: 'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
  },
  {
    scalar: '4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d',
    u: 'e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493',
    output: '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
  },
] as const;
export const RFC7748_ITERATED = {
  1: '422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079',
  1000: '684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51',
} as const;

/** RFC 7748 section 6.1: Diffie-Hellman between Alice and Bob. */
export const RFC7748_DH = {
  aliceSecret: '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a',
  alicePublic: '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
  bobSecret: '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb',
  bobPublic: 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
  shared: '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
} as const;

/**
 * BIP39 English vectors (entropy ↔ mnemonic) from the reference vectors of
 * trezor/python-mnemonic `vectors.json`: every 16- and 32-byte entry.
 */
export const BIP39 = [
  [
    '00000000000000000000000000000000',
    'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
  ],
  [
    '7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f',
    'legal winner thank year wave sausage worth useful legal winner thank yellow',
  ],
  [
    '80808080808080808080808080808080',
    'letter advice cage absurd amount doctor acoustic avoid letter advice cage above',
  ],
  ['ffffffffffffffffffffffffffffffff', 'zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong'],
  [
    '0000000000000000000000000000000000000000000000000000000000000000',
    'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art',
  ],
  [
    '7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f',
    'legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title',
  ],
  [
    '8080808080808080808080808080808080808080808080808080808080808080',
    'letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless',
  ],
  [
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    'zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote',
  ],
  [
    '7dce4ed2284c9134d026608ab684c05c',
    'lava include region explain simple omit dog slot melt reflect copy reward',
  ],
  [
    '00ac97c48106f0aeb8ba061e0250a559b3251dc35854e694780ba51d53a50120',
    'absent gorilla van acoustic humor firm title dolphin bulk barely citizen recall crane moment aspect appear track phrase actual enforce steel spoon afraid benefit',
  ],
  [
    '5baf069620eff15c71dd97c9a6ee328f',
    'forum join pitch dove yellow purchase shuffle real situate danger million bunker',
  ],
  [
    '3edc83b60740d77af3afa2fcb82c2f1bc541ee4e2518ddef4996d32453f54a3c',
    'disagree tomato unique attend aspect runway solid violin witness scrap armed daring favorite warm decade perfect target kid grant play early wide cigar night',
  ],
  [
    '63deb1e7f0c3de56f4ab43c9d2ae6c86',
    'glow void ketchup thunder digital clock sport half six nice open artefact',
  ],
  [
    '89bb4bc5555992cdaf3444c5e7ca5a6e9f27efab894f1990bae41be8b2a26ea4',
    'meadow surge vanish primary odor grocery rubber mass shine dinner notable tag venue water purchase clarify book magic ribbon daughter menu eye ritual orchard',
  ],
  [
    '00641669f095b433a304ed0f953f28eb',
    'about camera omit thrive forget border metal oval auto prepare sketch stomach',
  ],
  [
    '911fec0fbd88029f6fa99164896c18d898c9232af18bdcca3e42d53b86493104',
    'much youth advance kitchen lens exile salt cram goose enter alert raise milk muscle profit cousin system faint mouse price reveal cause series long',
  ],
] as const;

/** A reference vector with 18 words (24-byte entropy): a valid BIP39 phrase Murmur refuses. */
export const BIP39_EIGHTEEN_WORDS =
  'legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal will';

/**
 * Murmur's test identities. Alice's and Bob's seeds are the secret keys of RFC 8032 tests 1
 * and 2 (so their Ed25519 public keys are the RFC's); Carol has a 16-byte Session seed (the
 * entropy of a BIP39 reference vector).
 */
export const IDENTITIES = {
  alice: {
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    ed25519PublicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    x25519PublicKey: 'd85e07ec22b0ad881537c2f44d662d1a143cf830c57aca4305d85c7a90f6b62e',
    x25519SecretKey: '307c83864f2833cb427a2ef1c00a013cfdff2768d980c0a3a520f006904de94f',
    sessionId: '05d85e07ec22b0ad881537c2f44d662d1a143cf830c57aca4305d85c7a90f6b62e',
    phrase:
      'output assault guess that stick core tube matter virus number arctic mass duty tired planet green harbor slide auction fix crack fire work arrive',
  },
  bob: {
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    ed25519PublicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    x25519PublicKey: '25c704c594b88afc00a76b69d1ed2b984d7e22550f3ed0802d04fbcd07d38d47',
    x25519SecretKey: '68bd9ed75882d52815a97585caf4790a7f6c6b3b7f821c5e259a24b02e502e51',
    sessionId: '0525c704c594b88afc00a76b69d1ed2b984d7e22550f3ed0802d04fbcd07d38d47',
    phrase:
      'error hair chat faint west hood item such eight gauge fatal burger reward boat lamp rely plate chat permit universe stay sword orbit guilt',
  },
  carol: {
    seed: '7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f',
    ed25519PublicKey: 'd7528d951e69a0deb27f82f8e51d0e2dea830e047d1f38fb72c340a432829e31',
    x25519PublicKey: '6760574fad7b57b06a0576bc5488ec444113bfdaba412da2bf542bd15c52275b',
    x25519SecretKey: '2844e1fb49266088ef281381b7333ae8deb62ce9dbf7e644de0e99da6715f956',
    sessionId: '056760574fad7b57b06a0576bc5488ec444113bfdaba412da2bf542bd15c52275b',
    phrase: 'legal winner thank year wave sausage worth useful legal winner thank yellow',
  },
} as const;

/** Session Protocol v1: Alice → Bob, "Hello, Bob!", sealed-box ephemeral key 0x01…0x20. */
export const SESSION_PROTOCOL_VECTOR = {
  plaintext: '48656c6c6f2c20426f6221',
  ephemeralSecretKey: '0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20',
  ephemeralPublicKey: '07a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b86d1c7c',
  /** BLAKE2b-192(ephemeral pk ‖ Bob's X25519 pk): the sealed box's nonce. */
  nonce: '27bfebdb54afae30fc831112b9f7dc1bc538f352938295d7',
  signature:
    '6b862b503c85e055495ec5b6f2474a5479c41d243236bafc7e4a69b88dcfd123627a7a290d8da4e07a811f5e1cf8ccabb2d5f1195c1a2cff48f3fac76096c803',
  ciphertext:
    '07a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b86d1c7ccd21b39c85e8813750e6c062430117abf6f0837a24aa8077065f3733e379c2274c60c64f8d22e9aa12f7f49ec7071b9b815f85849643608bf1bf97be23a7fe1e2afa499f51a419bc8b2752cde40f361ad5a148c5f1941c6b1c5ab554a12a2c83a113323080c187ba9ea6d135e7407289163b368d43e9172f06ce39',
} as const;

/** Intermediate protocol v1: Alice → Bob, "Hello, Bob!", ephemeral key 0x21…0x40, IV 0x00…0x0b. */
export const INTERMEDIATE_VECTOR = {
  plaintext: '48656c6c6f2c20426f6221',
  ephemeralSecretKey: '2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40',
  iv: '000102030405060708090a0b',
  ephemeralPublicKey: '5869aff450549732cbaaed5e5df9b30a6da31cb0e5742bad5ad4a1a768f1a67b',
  sharedSecret: '17096665a32091fa025c0d544df201a68c49ccea78b6af9e2ae4694042a6c539',
  key: '4260d8dfdb73018f57a149f82e922602816777bbc01b83a2e49d193303d2d3df',
  ciphertext:
    '015869aff450549732cbaaed5e5df9b30a6da31cb0e5742bad5ad4a1a768f1a67b000102030405060708090a0b07f6cd2ecc826288a65ce7e0de43c1ebf686e74bda3f28908507ed1f7190cf0667e94d4de17a782b6036cfd1487c5204a5c53f76f67e757dc40cfab69cc7da843a8e0321384d9404d56a778b82c522b3f6c6a94796065d6d1e6e8984776878d7fd0a46464427c590814660fa9f4438adad84c9ed6f17ae692a6c1f',
} as const;

/**
 * Onion layers. The node is RFC 7748's Bob, the client's ephemeral key RFC 7748's Alice, so
 * the X25519 shared secret is the RFC's. Request IV/nonce 0x00…, response IV/nonce 0x80….
 */
export const LAYER_VECTORS = {
  request: '7b226d6574686f64223a22696e666f222c22706172616d73223a7b7d7d',
  response: '7b22737461747573223a3230302c22626f6479223a227b7d227d',
  'aes-gcm': {
    requestNonce: '000102030405060708090a0b',
    responseNonce: '808182838485868788898a8b',
    key: 'c6dbdde0e71223b506919e9ccd828d3d618cd54f006f0bac224939a768aed1ff',
    ciphertext:
      '000102030405060708090a0b596aeb3194747ec3ae88201c062ed7a19d1943102273769bb11266f87c8862a323a7ffecc5708b0e63ed510bea',
    responseCiphertext:
      '808182838485868788898a8b11a8180806ab5047cdad8e63de35bcd3785599c5a543187dc163c41d0700cb004c74627db9820ae03596',
  },
  xchacha20: {
    requestNonce: '000102030405060708090a0b0c0d0e0f1011121314151617',
    responseNonce: '808182838485868788898a8b8c8d8e8f9091929394959697',
    key: '519fb3af2f3f9e310718cf1f8bdec6e26ab64affe730f0f8b43c43b0e8ee52be',
    ciphertext:
      '000102030405060708090a0b0c0d0e0f1011121314151617d592c37b0a4811ec51785e174481c2f97be52a772d101de2f8b14f4b26ed95ccd0b61ae15bfd3c6b03f342d6a1',
    responseCiphertext:
      '808182838485868788898a8b8c8d8e8f9091929394959697a947e62548a8fa0e23fba2c4204636294e125fb47d0493a6436c734e5525cad03377c766c99a188d8f42',
  },
} as const;

/** Message hashes of "hello" stored for Alice's Session ID. */
export const MESSAGE_HASH_VECTORS = [
  { namespace: 0, hash: '+goPlNk8vyLyPxKfL5ubg2xgD8cWHnXxIy9Z22TIwHA' },
  { namespace: 5, hash: '5XbQE4YaBTHCExpjIkoV2zFKUDhQNKIcsOAMjYM1N5k' },
  { namespace: -10, hash: '2soUbeQsZu8C3seHjdvS+VA5RG/d57uIQXG+Vuk3NYY' },
] as const;

/** One signed-request vector: the message (hex; text too where it is ASCII) and Alice's signature. */
export interface SignedRequestVector {
  method: SignedRequestMethod;
  params: SignedRequestParams;
  message?: string;
  messageHex: string;
  signature: string;
}

/** Signed request strings of every method, signed by Alice (timestamps: 2026-01-01T00:00Z). */
export const SIGNED_REQUEST_VECTORS: readonly SignedRequestVector[] = [
  {
    method: 'store',
    params: { timestamp: 1767225600000 },
    message: 'store1767225600000',
    messageHex: '73746f726531373637323235363030303030',
    signature:
      'LInqeHauFwiv/bgERw2qJrExBf6VF2zJSv+YWDxb+bGdXh1hsPLkkftnesKVyzlKcxkCOW9gE1aIB5MGXv80DQ==',
  },
  {
    method: 'store',
    params: { namespace: 2, timestamp: 1767225600000, sig_timestamp: 1767225600123 },
    message: 'store21767225600123',
    messageHex: '73746f72653231373637323235363030313233',
    signature:
      'SWK0qXYiY4qgVFGTAUEmRZwf4qCGy7UF8no2B9HFK3UjjiB4w0qVE/YnIdgvNPz4Euv0Oq+rEpVBjoXALsGtCg==',
  },
  {
    method: 'retrieve',
    params: { timestamp: 1767225600000 },
    message: 'retrieve1767225600000',
    messageHex: '726574726965766531373637323235363030303030',
    signature:
      'c/hFnG8/zoF9HEbx39fhmpUlkD7hzNFjPGpvRY63iKM4AlFi79sZEibBvecsfs0E7ux8uSCRr98vvyplY7eGAg==',
  },
  {
    method: 'retrieve',
    params: { namespace: -10, timestamp: 1767225600000 },
    message: 'retrieve-101767225600000',
    messageHex: '72657472696576652d313031373637323235363030303030',
    signature:
      'yUlZ2hdAkFM1MhZ9oqBHE5sdTavIwUY6Hi+r0D42AcQaB8Fe9QQY1HPd0H09Mk/bsJOhxGjsxXCOTbaz33czBg==',
  },
  {
    method: 'delete',
    params: {
      messages: [
        '+goPlNk8vyLyPxKfL5ubg2xgD8cWHnXxIy9Z22TIwHA',
        '5XbQE4YaBTHCExpjIkoV2zFKUDhQNKIcsOAMjYM1N5k',
      ],
    },
    message:
      'delete+goPlNk8vyLyPxKfL5ubg2xgD8cWHnXxIy9Z22TIwHA5XbQE4YaBTHCExpjIkoV2zFKUDhQNKIcsOAMjYM1N5k',
    messageHex:
      '64656c6574652b676f506c4e6b3876794c7950784b664c3575626732786744386357486e58784979395a323254497748413558625145345961425448434578706a496b6f56327a464b554468514e4b4963734f414d6a594d314e356b',
    signature:
      '6RnBuXFsS9ec7gCirCrXftkXtjyFOtSWVdKHXqh3udpAmpADPE05TaBSplD6Y/3HKywyUZVRswojNWNx83O4Ag==',
  },
  {
    method: 'delete_all',
    params: { namespace: 'all', timestamp: 1767225600000 },
    message: 'delete_allall1767225600000',
    messageHex: '64656c6574655f616c6c616c6c31373637323235363030303030',
    signature:
      '7x6Gq9Mr96U/XSmJoAItGIYxgmspVJki5TvyAVv+NAa439xBGqIgAHzm65Y28BApXRfAA+Q2/C+QZBrr+l2jCw==',
  },
  {
    method: 'delete_before',
    params: { namespace: 5, before: 1767225000000 },
    message: 'delete_before51767225000000',
    messageHex: '64656c6574655f6265666f72653531373637323235303030303030',
    signature:
      'ziedxYgHBvdsTzEuAIdLs+TN1mwVSAf24A7LjkkKjfd5vpwQTbrzNI9LXuevys0pnLFXpL/rOQ17Zb2Kmn2ODQ==',
  },
  {
    method: 'expire',
    params: {
      messages: [
        '+goPlNk8vyLyPxKfL5ubg2xgD8cWHnXxIy9Z22TIwHA',
        '5XbQE4YaBTHCExpjIkoV2zFKUDhQNKIcsOAMjYM1N5k',
      ],
      expiry: 1767312000000,
      extend: true,
    },
    message:
      'expireextend1767312000000+goPlNk8vyLyPxKfL5ubg2xgD8cWHnXxIy9Z22TIwHA5XbQE4YaBTHCExpjIkoV2zFKUDhQNKIcsOAMjYM1N5k',
    messageHex:
      '657870697265657874656e64313736373331323030303030302b676f506c4e6b3876794c7950784b664c3575626732786744386357486e58784979395a323254497748413558625145345961425448434578706a496b6f56327a464b554468514e4b4963734f414d6a594d314e356b',
    signature:
      'pb6aKCEA9UQlQQTXVNYCPcH26JkQk0fIYcA2NrwaWkDhMLoI9YGvkZ8Ty8PgMgiDMXLiY6xd/jZK30MmgT08Cw==',
  },
  {
    method: 'expire',
    params: {
      messages: [
        '+goPlNk8vyLyPxKfL5ubg2xgD8cWHnXxIy9Z22TIwHA',
        '5XbQE4YaBTHCExpjIkoV2zFKUDhQNKIcsOAMjYM1N5k',
      ],
      expiry: [1767229200000, 1767232800000],
    },
    message:
      'expire17672292000001767232800000+goPlNk8vyLyPxKfL5ubg2xgD8cWHnXxIy9Z22TIwHA5XbQE4YaBTHCExpjIkoV2zFKUDhQNKIcsOAMjYM1N5k',
    messageHex:
      '65787069726531373637323239323030303030313736373233323830303030302b676f506c4e6b3876794c7950784b664c3575626732786744386357486e58784979395a323254497748413558625145345961425448434578706a496b6f56327a464b554468514e4b4963734f414d6a594d314e356b',
    signature:
      'jNqo0TVa+2Irh4WvOgpnlPOETwRxqUAm5mKxiwek42tCkaiOr2Glcep8Ddi8aTQ6V+FyRXunzG2gr/8gbnVwCA==',
  },
  {
    method: 'expire_all',
    params: { namespace: 0, expiry: 1767312000000 },
    message: 'expire_all1767312000000',
    messageHex: '6578706972655f616c6c31373637333132303030303030',
    signature:
      'rgfnBh3HIhlXebayMb+yLRpKcKTPjBxM6yUceXXVAVclXd+UOJ1gCOozhCQXvbY+4M9Vgif5bl5xDQPM6ygeCA==',
  },
  {
    method: 'get_expiries',
    params: { timestamp: 1767225600000, messages: ['+goPlNk8vyLyPxKfL5ubg2xgD8cWHnXxIy9Z22TIwHA'] },
    message: 'get_expiries1767225600000+goPlNk8vyLyPxKfL5ubg2xgD8cWHnXxIy9Z22TIwHA',
    messageHex:
      '6765745f6578706972696573313736373232353630303030302b676f506c4e6b3876794c7950784b664c3575626732786744386357486e58784979395a32325449774841',
    signature:
      'aP7/0qV9EVrPm4rxmZ7WzSIfpyiuCFMKf0I85cVX55yL69z2lGsAATpjzt8BJU71gf/h2OfLSnHynJj+u+z+DA==',
  },
  {
    method: 'revoke_subaccount',
    params: {
      timestamp: 1767225600000,
      revoke: '050300003d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    },
    messageHex:
      '7265766f6b655f7375626163636f756e7431373637323235363030303030050300003d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    signature:
      'k6FP9Q2velIwR2SXAmhv02yHLyMUFVbqi6nl4b6hHWJT5nepmKfyWGna8tqRr1Myg+bZUzpLUBa7hAHMUUH+CA==',
  },
  {
    method: 'unrevoke_subaccount',
    params: {
      timestamp: 1767225600000,
      unrevoke: [
        '050300003d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
        '05010000d7528d951e69a0deb27f82f8e51d0e2dea830e047d1f38fb72c340a432829e31',
      ],
    },
    messageHex:
      '756e7265766f6b655f7375626163636f756e7431373637323235363030303030050300003d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c05010000d7528d951e69a0deb27f82f8e51d0e2dea830e047d1f38fb72c340a432829e31',
    signature:
      'wZ8Ex7quOgCY6GyzgiA9hG9YwXdiyIHY9D6sFIuGVRp6rLdIKwqX6yq9LTeg3ceHs3KlP+N3JwnAeN2N8YKLAQ==',
  },
];
