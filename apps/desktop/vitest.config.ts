import { murmurProject } from '../../tools/config/vitest.ts';

export default murmurProject({ name: 'desktop' });
