import { createHmac, timingSafeEqual } from 'node:crypto';

/** What an approval link carries, signed: whose step, which decision, until when (epoch ms). */
export interface ApprovalClaim {
  tenantId: string;
  stepRunId: string;
  approved: boolean;
  expiresAt: number;
}

/** Link bytes: version (1), tenant id (16), step run id (16), decision (1), expiry in ms (8), then 16 bytes of HMAC. */
const BODY_BYTES = 42;
const MAC_BYTES = 16;
const VERSION = 1;

/**
 * Signs and reads approval links: compact binary claims in base64url (74 characters: a link's token must
 * fit a URL path segment), MACed with HMAC-SHA256 (truncated to 128 bits) under a key of their own derived
 * from the api's JWT secret (a link is not a token, and a token is not a link). A link is single-use by
 * what it does: its decision goes to the step only while the step still waits for one.
 */
export function createApprovalLinks(jwtSecret: string, now: () => number = Date.now) {
  const key = createHmac('sha256', jwtSecret).update('conveyor/approval-links/v1').digest();
  const mac = (body: Buffer) => createHmac('sha256', key).update(body).digest().subarray(0, MAC_BYTES);
  return {
    issue(claim: ApprovalClaim): string {
      const body = Buffer.alloc(BODY_BYTES);
      body.writeUInt8(VERSION, 0);
      Buffer.from(claim.tenantId.replaceAll('-', ''), 'hex').copy(body, 1);
      Buffer.from(claim.stepRunId.replaceAll('-', ''), 'hex').copy(body, 17);
      body.writeUInt8(claim.approved ? 1 : 0, 33);
      body.writeBigUInt64BE(BigInt(claim.expiresAt), 34);
      return Buffer.concat([body, mac(body)]).toString('base64url');
    },
    /** The claim of a link signed here and not expired; null otherwise (forged, altered, expired, garbage). */
    read(token: string): ApprovalClaim | null {
      const bytes = Buffer.from(token, 'base64url');
      if (bytes.length !== BODY_BYTES + MAC_BYTES || bytes.toString('base64url') !== token) return null;
      const body = bytes.subarray(0, BODY_BYTES);
      if (!timingSafeEqual(bytes.subarray(BODY_BYTES), mac(body)) || body.readUInt8(0) !== VERSION) return null;
      const expiresAt = Number(body.readBigUInt64BE(34));
      if (expiresAt <= now()) return null;
      return {
        tenantId: uuid(body.subarray(1, 17)),
        stepRunId: uuid(body.subarray(17, 33)),
        approved: body.readUInt8(33) === 1,
        expiresAt,
      };
    },
  };
}

function uuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export type ApprovalLinks = ReturnType<typeof createApprovalLinks>;
