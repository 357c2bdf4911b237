/**
 * Process names on the command line: `ledger`, `node-07`, or just `7`.
 */
import { nodeName } from '@murmur/testnet';
import { UsageError } from '@murmur/wire';

/** The process name `text` stands for (`7` → `node-07`). @throws {@link UsageError} */
export function processNameArg(text: string | undefined, command: string): string {
  if (text === undefined || text === '') {
    throw new UsageError(`${command} needs a process: ledger, node-01, … (or just 1)`);
  }
  if (/^[0-9]{1,5}$/.test(text) && Number(text) >= 1) return nodeName(Number(text));
  const match = /^node-?([0-9]{1,5})$/.exec(text);
  if (match !== null && Number(match[1]) >= 1) return nodeName(Number(match[1]));
  if (/^[A-Za-z0-9_.-]{1,64}$/.test(text)) return text;
  throw new UsageError(`${JSON.stringify(text)} is not a process name (ledger, node-01, … or 1)`);
}
