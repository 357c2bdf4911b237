import { murmurProject } from '../../tools/config/vitest.ts';

// `dir`: the daemon's retry and network tests run its clients on the client's in-process fake
// network (@murmur/client/test-support/fake-network).
export default murmurProject({ name: 'desktop', dir: import.meta.dirname });
