import { randomBytes } from 'node:crypto';
import { ConveyorError } from '@conveyor/errors';
import { openBytes, sealBytes } from './aead';

const DATA_KEY_BYTES = 32;

/** A fresh random AES-256 data key (one per tenant: it seals that tenant's credentials). */
export function createDataKey(): Uint8Array {
  return randomBytes(DATA_KEY_BYTES);
}

/**
 * Seals a JSON value with a data key. `owner` (the tenant id) is authenticated with it: a ciphertext
 * copied to another owner's row does not open, even under the same key.
 */
export function sealWithDataKey(dataKey: Uint8Array, value: unknown, owner: string): Uint8Array {
  return sealBytes(dataKey, dataKeyAad(owner), Buffer.from(JSON.stringify(value), 'utf8'));
}

/** The value `sealWithDataKey` sealed; FORBIDDEN when the key or the owner differs, or a byte changed. */
export function openWithDataKey(dataKey: Uint8Array, ciphertext: Uint8Array, owner: string): unknown {
  try {
    return JSON.parse(openBytes(dataKey, dataKeyAad(owner), ciphertext).toString('utf8'));
  } catch (cause) {
    throw new ConveyorError({ code: 'FORBIDDEN', message: 'secret sealed with a data key failed authentication', cause });
  }
}

function dataKeyAad(owner: string): string {
  return `data:${owner}`;
}
