import { describe, expect, it } from 'vitest';
import { createApprovalLinks } from './approval-links';

const claim = {
  tenantId: '0f3a8b2c-1111-4222-8333-444455556666',
  stepRunId: '9e8d7c6b-aaaa-4bbb-8ccc-dddd11112222',
  approved: true,
  expiresAt: 2_000_000,
};

describe('approval links', () => {
  it('read back what they were issued with, in a token short enough for a path segment', () => {
    const links = createApprovalLinks('secret-0123456789abcdef0123456789', () => 1_000_000);
    const token = links.issue(claim);
    expect(token.length).toBeLessThanOrEqual(100);
    expect(links.read(token)).toEqual(claim);
    expect(links.read(links.issue({ ...claim, approved: false }))).toEqual({ ...claim, approved: false });
  });

  it('read nothing from an altered, foreign, expired or malformed token', () => {
    const links = createApprovalLinks('secret-0123456789abcdef0123456789', () => 1_000_000);
    const token = links.issue(claim);
    const flipped = Buffer.from(token, 'base64url');
    flipped[33] = 0; // approve → reject, its MAC unchanged
    expect(links.read(flipped.toString('base64url'))).toBeNull();
    expect(createApprovalLinks('another-secret-0123456789abcdef01', () => 1_000_000).read(token)).toBeNull();
    expect(createApprovalLinks('secret-0123456789abcdef0123456789', () => 2_000_000).read(token)).toBeNull();
    expect(links.read('not-a-token')).toBeNull();
    expect(links.read(`${token}A`)).toBeNull();
  });
});
