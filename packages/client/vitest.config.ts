import { murmurProject } from '../../tools/config/vitest.ts';

// `dir`: the circuit push tests use the circuits' in-memory network
// (@murmur/circuits/test-support/network).
export default murmurProject({ name: 'client', dir: import.meta.dirname });
