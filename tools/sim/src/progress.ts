/**
 * The simulator's progress bar is `@murmur/terminal`'s (cli-progress on a terminal, one line per
 * 10% elsewhere).
 */
export {
  createProgressBar,
  formatDuration,
  type ProgressBar,
  type ProgressBarComponents,
  type ProgressBarInit,
  type ProgressStream,
} from '@murmur/terminal';
