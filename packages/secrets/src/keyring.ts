import { ConveyorError } from '@conveyor/errors';
import { openBytes, sealBytes } from './aead';

export interface SealedSecret {
  /** iv ‖ auth tag ‖ ciphertext. */
  ciphertext: Uint8Array;
  /** Which key sealed it, so keys can rotate: new secrets use the active key, old ones still open. */
  keyId: string;
}

export interface Keyring {
  activeKeyId: string;
  seal(value: unknown): SealedSecret;
  open(sealed: SealedSecret): unknown;
  /** Wraps a data key under the active key; `owner` (the tenant id) is bound into it. */
  wrapKey(dataKey: Uint8Array, owner: string): SealedSecret;
  /** The data key `wrapKey` wrapped for `owner`; FORBIDDEN when it was wrapped for another. */
  unwrapKey(wrapped: SealedSecret, owner: string): Uint8Array;
}

/**
 * The global keyring (CONNECTION_KEYS): AES-256-GCM with the key id bound into the authenticated
 * data, so a ciphertext cannot be passed off as sealed by another key. It seals JSON values (the
 * credentials of old rows) and wraps the tenants' data keys (envelope encryption); a wrapped key
 * and a sealed value have different authenticated data, so neither opens as the other.
 */
export function createKeyring(keys: ReadonlyMap<string, Uint8Array>, activeKeyId: string): Keyring {
  for (const [id, key] of keys) {
    if (key.length !== 32) throw invalid(`key ${id} must be 32 bytes, got ${key.length}`);
  }
  const active = keys.get(activeKeyId);
  if (!active) throw invalid(`the active key ${activeKeyId} is not in the keyring`);
  const keyOf = (keyId: string) => {
    const key = keys.get(keyId);
    if (!key) throw invalid(`no key ${keyId} in the keyring to open this secret`);
    return key;
  };
  const open = (keyId: string, aad: string, ciphertext: Uint8Array) => {
    const key = keyOf(keyId);
    try {
      return openBytes(key, aad, ciphertext);
    } catch (cause) {
      throw new ConveyorError({ code: 'FORBIDDEN', message: `secret sealed with key ${keyId} failed authentication`, cause });
    }
  };

  return {
    activeKeyId,
    seal(value) {
      const plaintext = Buffer.from(JSON.stringify(value), 'utf8');
      return { ciphertext: sealBytes(active, activeKeyId, plaintext), keyId: activeKeyId };
    },
    open({ ciphertext, keyId }) {
      return JSON.parse(open(keyId, keyId, ciphertext).toString('utf8'));
    },
    wrapKey(dataKey, owner) {
      return { ciphertext: sealBytes(active, wrapAad(activeKeyId, owner), dataKey), keyId: activeKeyId };
    },
    unwrapKey({ ciphertext, keyId }, owner) {
      return open(keyId, wrapAad(keyId, owner), ciphertext);
    },
  };
}

function wrapAad(keyId: string, owner: string): string {
  return `wrap:${keyId}:${owner}`;
}

/** Parses `id:base64key,id2:base64key2` (the CONNECTION_KEYS format). */
export function parseKeys(spec: string): Map<string, Uint8Array> {
  const keys = new Map<string, Uint8Array>();
  for (const entry of spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const separator = entry.indexOf(':');
    if (separator <= 0) throw invalid(`"${entry.slice(0, 12)}…" is not id:base64key`);
    keys.set(entry.slice(0, separator), Buffer.from(entry.slice(separator + 1), 'base64'));
  }
  return keys;
}

function invalid(message: string): ConveyorError {
  return new ConveyorError({ code: 'INVALID_CONFIG', message });
}
