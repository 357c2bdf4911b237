/**
 * @packageDocumentation
 * Murmur benchmarks: each prints its figures and the ratio to the baseline it names, measured in the same run.
 */
export {};
