/**
 * The fetch tests use to talk to whole nodes over HTTPS (their certificates are self-signed, so
 * it does not check them, as Session clients do not). No keep-alive: nothing outlives a test.
 */
import { createNodeFetch } from '@murmur/wire/node';

/** A fetch that speaks HTTPS to nodes (and plain HTTP where a test asks for it). */
export const httpsFetch = createNodeFetch({ keepAlive: false });
