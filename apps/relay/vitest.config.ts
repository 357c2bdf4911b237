import { murmurProject } from '../../tools/config/vitest.ts';

// `dir`: the tests use the registry's test chain (@murmur/registry/test-support/chain) and the
// circuits' raw client circuit (@murmur/circuits/test-support/raw-circuit).
export default murmurProject({ name: 'relay', dir: import.meta.dirname });
