/**
 * A value made on first use and kept: how clients, adapters and configuration are built once per
 * process (a Lambda container, the local runtime). A `make` that throws keeps nothing, so the
 * next call tries again (and a missing variable is reported every time, not cached as undefined).
 */
export function once<T>(make: () => T): () => T {
  let value: T | undefined;
  let made = false;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value as T;
  };
}

/** `once` per key: a value made on first use for each key (a client per region), and kept. */
export function oncePerKey<K, T>(make: (key: K) => T): (key: K) => T {
  const values = new Map<K, T>();
  return (key) => {
    if (!values.has(key)) values.set(key, make(key));
    return values.get(key) as T;
  };
}
