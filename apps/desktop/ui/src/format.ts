/** Dates, times, Session IDs and timer names as the UI shows them. */

const SESSION_ID = /^05[0-9a-f]{64}$/;

/** What is wrong with a pasted Session ID, or `undefined` when it looks right. */
export function sessionIdProblem(raw: string): string | undefined {
  const value = raw.trim().toLowerCase();
  if (value === '') return undefined;
  if (!/^[0-9a-f]*$/.test(value))
    return 'A Session ID has only the digits 0-9 and the letters a-f.';
  if (!value.startsWith('05')) return 'A Session ID starts with 05.';
  if (value.length < 66) return `Too short: ${value.length} of 66 characters.`;
  if (value.length > 66) return `Too long: ${value.length} of 66 characters.`;
  return SESSION_ID.test(value) ? undefined : 'This is not a Session ID.';
}

export function shortId(id: string): string {
  return `${id.slice(0, 8)}…${id.slice(-4)}`;
}

export function time(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

export function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function dayLabel(ms: number, now = Date.now()): string {
  if (dayKey(ms) === dayKey(now)) return 'Today';
  if (dayKey(ms) === dayKey(now - 86_400_000)) return 'Yesterday';
  return new Date(ms).toLocaleDateString(undefined, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  });
}

export function timerName(seconds: number): string {
  if (seconds === 0) return 'Off';
  const units: [number, string][] = [
    [1_209_600 / 2, 'week'],
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  for (const [size, name] of units) {
    if (seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} seconds`;
}
