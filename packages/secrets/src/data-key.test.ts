import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDataKey, createKeyring, openWithDataKey, sealWithDataKey } from './index';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const ring = (active: string) =>
  createKeyring(
    new Map([
      ['k1', k1],
      ['k2', k2],
    ]),
    active,
  );

describe('envelope encryption', () => {
  it('wraps a data key for one owner under the active key; it unwraps for that owner only, under any key of the ring', () => {
    const dataKey = createDataKey();
    expect(dataKey).toHaveLength(32);
    const wrapped = ring('k1').wrapKey(dataKey, 'tenant-a');
    expect(wrapped.keyId).toBe('k1');
    expect(Buffer.from(ring('k2').unwrapKey(wrapped, 'tenant-a'))).toEqual(Buffer.from(dataKey));
    expect(() => ring('k1').unwrapKey(wrapped, 'tenant-b')).toThrow(/failed authentication/);
    // a wrapped key is not a sealed value, and a sealed value is not a wrapped key
    expect(() => ring('k1').open(wrapped)).toThrow(/failed authentication/);
    expect(() => ring('k1').unwrapKey(ring('k1').seal('x'), 'tenant-a')).toThrow(/failed authentication/);
  });

  it('seals values with a data key, bound to their owner: another key or owner does not open them', () => {
    const dataKey = createDataKey();
    const sealed = sealWithDataKey(dataKey, { apiKey: 'sk_live_1' }, 'tenant-a');
    expect(Buffer.from(sealed).toString('utf8')).not.toContain('sk_live_1');
    expect(openWithDataKey(dataKey, sealed, 'tenant-a')).toEqual({ apiKey: 'sk_live_1' });
    expect(() => openWithDataKey(dataKey, sealed, 'tenant-b')).toThrow(/failed authentication/);
    expect(() => openWithDataKey(createDataKey(), sealed, 'tenant-a')).toThrow(/failed authentication/);
  });
});
