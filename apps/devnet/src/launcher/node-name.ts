/**
 * Process names on the command line: `ledger`, `node-07`, or just `7`; a node's relay is
 * `node-07/relay` (or `7/relay`).
 */
import { nodeName, relayNodeName, type Testnet, type TestnetProcessInfo } from '@murmur/testnet';
import { UsageError } from '@murmur/wire/program';

/** The process name `text` stands for (`7` → `node-07`). @throws {@link UsageError} */
export function processNameArg(text: string | undefined, command: string): string {
  if (text === undefined || text === '') {
    throw new UsageError(
      `${command} needs a process: ledger, node-01, … (or just 1), or a relay: node-01/relay`,
    );
  }
  const relay = /^(.+)\/relay$/.exec(text);
  if (relay !== null) return `${processNameArg(relay[1], command)}/relay`;
  if (/^[0-9]{1,5}$/.test(text) && Number(text) >= 1) return nodeName(Number(text));
  const match = /^node-?([0-9]{1,5})$/.exec(text);
  if (match !== null && Number(match[1]) >= 1) return nodeName(Number(match[1]));
  if (/^[A-Za-z0-9_.-]{1,64}$/.test(text)) return text;
  throw new UsageError(`${JSON.stringify(text)} is not a process name (ledger, node-01, … or 1)`);
}

/**
 * The process `name` names in `testnet`: the ledger, a node, or a node's relay.
 *
 * @throws {@link UsageError} for a relay when the devnet runs none; `UnknownProcessError`.
 */
export function processOf(testnet: Testnet, name: string): TestnetProcessInfo {
  if (name === 'ledger') return testnet.ledger;
  const relayOf = relayNodeName(name);
  if (relayOf === undefined) return testnet.node(name);
  const relay = testnet.node(relayOf).relay;
  if (relay === undefined) throw new UsageError(`this devnet runs no relays (${name})`);
  return relay;
}
