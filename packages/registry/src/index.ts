/**
 * @packageDocumentation
 * Murmur staking registry: the rules as a pure state machine over ledger blocks, and the LedgerSource interface.
 */
export {};
