import { murmurProject } from '../../tools/config/vitest.ts';

// `dir`: the tests use the registry's test chain (@murmur/registry/test-support/chain).
export default murmurProject({ name: 'relay', dir: import.meta.dirname });
