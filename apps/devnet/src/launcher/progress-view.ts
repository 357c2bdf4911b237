/**
 * The start-up step list of `murmur-devnet up`: `@murmur/testnet`'s progress events drawn by
 * `@murmur/terminal`'s step list (cli-progress on a terminal, plain lines elsewhere).
 */
import { createStepList, type StepList, type StepListInit } from '@murmur/terminal';
import { TESTNET_STEPS, type TestnetStep } from '@murmur/testnet';

/** What people read for each step. */
export const STEP_LABELS: Readonly<Record<TestnetStep, string>> = Object.freeze({
  ledger: 'Ledger',
  wallets: 'Wallets',
  registrations: 'Registrations',
  processes: 'Node processes',
  swarms: 'Swarms formed',
  health: 'Health',
  relays: 'Relays',
});

/** Options of {@link createProgressView}: where to draw, in which styles, on which clock. */
export type ProgressViewInit = Omit<StepListInit<TestnetStep>, 'steps' | 'labels'>;

/** A step list that follows `startTestnet`'s progress events (pass `onProgress` to it). */
export type ProgressView = StepList<TestnetStep>;

/** The devnet's step list drawing to `init.output`. */
export function createProgressView(init: ProgressViewInit): ProgressView {
  return createStepList({ ...init, steps: TESTNET_STEPS, labels: STEP_LABELS });
}
