/**
 * Secret keys travel on result objects as non-enumerable properties: `JSON.stringify`, pino,
 * `Object.keys` and spreads leave them out, so logging a request or a peeled layer never prints
 * a key. Pass such objects on as they are (a spread copy has no key).
 */
export function withSecret<T extends object, K extends string>(
  target: T,
  name: K,
  value: Uint8Array,
): T & Record<K, Uint8Array> {
  Object.defineProperty(target, name, {
    value,
    enumerable: false,
    writable: false,
    configurable: false,
  });
  return target as T & Record<K, Uint8Array>;
}
