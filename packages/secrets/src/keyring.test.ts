import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createKeyring, parseKeys } from './index';

const k1 = randomBytes(32);
const k2 = randomBytes(32);

describe('keyring', () => {
  it('seals JSON so that only the keyring opens it, and never stores the plaintext', () => {
    const ring = createKeyring(new Map([['k1', k1]]), 'k1');
    const sealed = ring.seal({ apiKey: 'sk_live_123', nested: { n: 1 } });
    expect(sealed.keyId).toBe('k1');
    expect(Buffer.from(sealed.ciphertext).toString('utf8')).not.toContain('sk_live_123');
    expect(ring.open(sealed)).toEqual({ apiKey: 'sk_live_123', nested: { n: 1 } });
    expect(ring.seal({ a: 1 }).ciphertext).not.toEqual(ring.seal({ a: 1 }).ciphertext);
  });

  it('rotates: new secrets use the active key, old ones still open', () => {
    const old = createKeyring(new Map([['k1', k1]]), 'k1').seal('old');
    const rotated = createKeyring(
      new Map([
        ['k1', k1],
        ['k2', k2],
      ]),
      'k2',
    );
    expect(rotated.open(old)).toBe('old');
    expect(rotated.seal('new').keyId).toBe('k2');
  });

  it('refuses a tampered ciphertext, a wrong key id and an unknown key', () => {
    const ring = createKeyring(
      new Map([
        ['k1', k1],
        ['k2', k2],
      ]),
      'k1',
    );
    const sealed = ring.seal('secret');
    const tampered = Buffer.from(sealed.ciphertext);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    expect(() => ring.open({ ciphertext: tampered, keyId: 'k1' })).toThrow('failed authentication');
    expect(() => ring.open({ ciphertext: sealed.ciphertext, keyId: 'k2' })).toThrow('failed authentication');
    expect(() => ring.open({ ciphertext: sealed.ciphertext, keyId: 'k9' })).toThrow('no key k9');
  });

  it('parses the key list and checks key sizes', () => {
    const keys = parseKeys(`k1:${k1.toString('base64')}, k2:${k2.toString('base64')}`);
    expect([...keys.keys()]).toEqual(['k1', 'k2']);
    expect(() => createKeyring(parseKeys('short:AAAA'), 'short')).toThrow('must be 32 bytes');
    expect(() => parseKeys('nokey')).toThrow('is not id:base64key');
    expect(() => createKeyring(keys, 'k3')).toThrow('active key k3');
  });
});
