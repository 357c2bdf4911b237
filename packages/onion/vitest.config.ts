import { murmurProject } from '../../tools/config/vitest.ts';

// `dir`: the tests use wire's test certificate (@murmur/wire/test-support/tls).
export default murmurProject({ name: 'onion', dir: import.meta.dirname });
