import { murmurProject } from '../../tools/config/vitest.ts';

export default murmurProject({ name: 'contracts', test: { testTimeout: 60_000 } });
