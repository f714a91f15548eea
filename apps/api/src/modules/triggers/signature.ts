import { createHmac } from 'node:crypto';
import { secretsMatch } from '../../plugins/shared-secret';

export const SIGNATURE_HEADER = 'x-conveyor-signature';
export const TIMESTAMP_HEADER = 'x-conveyor-timestamp';
/** How far a signed call's timestamp may be from the api's clock: older signatures cannot be replayed. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export interface SignedCall {
  /** `sha256=<hex>`, the x-conveyor-signature header. */
  signature: string | undefined;
  /** Unix seconds, the x-conveyor-timestamp header. */
  timestamp: string | undefined;
  /** The request body exactly as sent. */
  rawBody: string;
}

/** `sha256=` and the hex HMAC-SHA256, under the trigger secret, of `<timestamp>.<raw body>`: what a caller sends. */
export function signWebhook(secret: string, timestamp: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

/** Whether the call is signed with `secret` and its timestamp is within the tolerance of `nowMs`. */
export function signatureValid(secret: string, { signature, timestamp, rawBody }: SignedCall, nowMs: number): boolean {
  if (signature === undefined || timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SIGNATURE_TOLERANCE_SECONDS) return false;
  return secretsMatch(signature, signWebhook(secret, timestamp, rawBody));
}
