import { createHash } from 'node:crypto';

/** SHA-256 hex digest: how webhook-trigger secrets and invitation tokens are stored. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
