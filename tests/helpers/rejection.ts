/** For tests that go on to read the error a call rejects with (its details, its status). */
import { expect } from 'vitest';

/** The error `act` rejects with, once asserted to be an instance of `type`. */
export async function rejection<E extends Error>(
  act: Promise<unknown>,
  type: new (...args: never[]) => E,
): Promise<E> {
  await expect(act).rejects.toBeInstanceOf(type);
  return act.then(
    () => {
      throw new Error('unreachable: the call was asserted to reject');
    },
    (error: unknown) => error as E,
  );
}
