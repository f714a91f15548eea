import { describe, expect, it } from 'vitest';
import { API_KEY_SCOPES, apiKeyPrefix, isApiKeyCredential, isWellFormedApiKey, knownScopes, mintApiKey } from './index';

describe('API keys', () => {
  it('mints cvk_ and 32 random bytes in base64url, with the 8 characters after cvk_ as its prefix', () => {
    const minted = Array.from({ length: 50 }, () => mintApiKey());
    for (const { key, prefix } of minted) {
      expect(key).toMatch(/^cvk_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(key.slice(4), 'base64url')).toHaveLength(32);
      expect(prefix).toBe(key.slice(4, 12));
      expect(apiKeyPrefix(key)).toBe(prefix);
      expect(isWellFormedApiKey(key)).toBe(true);
    }
    expect(new Set(minted.map(({ key }) => key)).size).toBe(50);
  });

  it('tells a key from a JWT, and a well-formed key from one that is not', () => {
    const { key } = mintApiKey();
    expect(isApiKeyCredential(key)).toBe(true);
    expect(isApiKeyCredential('eyJhbGciOiJIUzI1NiJ9.e30.sig')).toBe(false);
    for (const bad of ['cvk_', `${key}a`, key.slice(0, -1), `${key.slice(0, -1)}=`, `CVK_${key.slice(4)}`, ` ${key}`]) {
      expect(isWellFormedApiKey(bad), bad).toBe(false);
    }
  });

  it('has one closed list of scopes, and a stored scope no longer in it grants nothing', () => {
    expect(API_KEY_SCOPES).toEqual(['events:send', 'runs:read']);
    expect(knownScopes(['runs:read', 'runs:write', 'toString', '__proto__', 'events:send'])).toEqual([
      'runs:read',
      'events:send',
    ]);
  });
});
