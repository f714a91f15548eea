import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConveyorError } from '@conveyor/errors';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

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
}

/**
 * AES-256-GCM envelope for connection credentials. Values are JSON; the key id is bound into the
 * authenticated data, so a ciphertext cannot be passed off as sealed by another key.
 */
export function createKeyring(keys: ReadonlyMap<string, Uint8Array>, activeKeyId: string): Keyring {
  for (const [id, key] of keys) {
    if (key.length !== 32) throw invalid(`key ${id} must be 32 bytes, got ${key.length}`);
  }
  const active = keys.get(activeKeyId);
  if (!active) throw invalid(`the active key ${activeKeyId} is not in the keyring`);

  return {
    activeKeyId,
    seal(value) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, active, iv);
      cipher.setAAD(Buffer.from(activeKeyId));
      const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      return { ciphertext: Buffer.concat([iv, cipher.getAuthTag(), data]), keyId: activeKeyId };
    },
    open({ ciphertext, keyId }) {
      const key = keys.get(keyId);
      if (!key) throw invalid(`no key ${keyId} in the keyring to open this secret`);
      const bytes = Buffer.from(ciphertext);
      try {
        const decipher = createDecipheriv(ALGORITHM, key, bytes.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(keyId));
        decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        const plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
        return JSON.parse(plain.toString('utf8'));
      } catch (cause) {
        throw new ConveyorError({ code: 'FORBIDDEN', message: `secret sealed with key ${keyId} failed authentication`, cause });
      }
    },
  };
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
