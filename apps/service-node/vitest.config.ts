import { murmurProject } from '../../tools/config/vitest.ts';

export default murmurProject({
  name: 'service-node',
  // `dir`: the fuzz uses the registry's ledger transactions (@murmur/registry/test-support/*).
  dir: import.meta.dirname,
});
