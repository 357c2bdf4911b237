import { murmurProject } from '../config/vitest.ts';

export default murmurProject({ name: 'api-report' });
