/**
 * @packageDocumentation
 * Murmur's benchmarks. Each `src/<area>.ts` is a script (`pnpm bench:<area>` at the root) that
 * prints its figures and the ratio to the baseline it names, measured in the same run.
 * Results and the commands that produced them are recorded in `docs/BENCHMARKS.md`.
 */
export {};
