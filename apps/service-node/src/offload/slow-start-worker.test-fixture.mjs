// A test fixture: the node's real crypto worker, started late (as a loaded machine starts a
// thread), for the offload's test that a starting worker is not retired as idle.
await new Promise((resolve) => setTimeout(resolve, 400));
await import(new URL('../../dist/offload/crypto-worker.js', import.meta.url).href);
