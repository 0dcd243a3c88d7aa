/** The one way to read a required variable, and the one way to build something once per process. */
import { describe, expect, it } from 'vitest';
import { once, oncePerKey } from '../../shared/core/once.js';
import { ConfigError, requiredEnv } from '../../shared/runtime/config.js';

describe('requiredEnv', () => {
  it('answers the value of a set variable', () => {
    expect(requiredEnv('TABLE_NAME', { TABLE_NAME: 'agent-core' })).toBe('agent-core');
  });

  it.each([
    ['unset', {}],
    ['empty', { TABLE_NAME: '' }],
  ])('refuses a variable that is %s with a ConfigError naming it', (_, env) => {
    expect(() => requiredEnv('TABLE_NAME', env)).toThrow(ConfigError);
    expect(() => requiredEnv('TABLE_NAME', env)).toThrow(
      'environment variable TABLE_NAME is required but not set',
    );
  });
});

describe('once', () => {
  it('makes the value on first use only, and answers the same one after', () => {
    let made = 0;
    const value = once(() => ({ n: ++made }));
    expect(made).toBe(0);
    const first = value();
    expect(value()).toBe(first);
    expect(made).toBe(1);
  });

  it('keeps a value that is undefined without making it again', () => {
    let made = 0;
    const value = once(() => {
      made += 1;
      return undefined;
    });
    value();
    value();
    expect(made).toBe(1);
  });

  it('keeps nothing when making throws: the next call tries again', () => {
    let calls = 0;
    const value = once(() => {
      calls += 1;
      if (calls === 1) throw new ConfigError('not yet');
      return 'made';
    });
    expect(() => value()).toThrow('not yet');
    expect(value()).toBe('made');
    expect(calls).toBe(2);
  });
});

describe('oncePerKey', () => {
  it('makes one value per key, undefined included, and keeps each', () => {
    const made: (string | undefined)[] = [];
    const clientIn = oncePerKey((region: string | undefined) => {
      made.push(region);
      return { region };
    });
    const ireland = clientIn('eu-west-1');
    expect(clientIn('eu-west-1')).toBe(ireland);
    expect(clientIn('us-west-2')).not.toBe(ireland);
    expect(clientIn(undefined)).toBe(clientIn(undefined));
    expect(made).toEqual(['eu-west-1', 'us-west-2', undefined]);
  });
});
