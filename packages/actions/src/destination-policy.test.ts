import { describe, expect, it } from 'vitest';
import { ActionError } from './action-error';
import { createDestinationPolicy, intersectAllowlists, invalidNetworks } from './destination-policy';

// Pure classification: no address below is ever connected to.
describe('createDestinationPolicy', () => {
  const closed = createDestinationPolicy([]);

  it.each([
    ['8.8.8.8', 'unicast'],
    ['93.184.216.34', 'unicast'],
    ['2606:4700:4700::1111', 'unicast'],
  ])('allows the public address %s', (address, range) => {
    expect(closed.check(address)).toMatchObject({ allowed: true, range });
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fd00::1', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['64:ff9b::a00:1', 'rfc6052'],
    ['2002:a00:1::', '6to4'],
    ['::7f00:1', 'ipv4Compatible'],
  ])('refuses %s (%s) with an empty allowlist', (address, range) => {
    expect(closed.check(address)).toMatchObject({ allowed: false, range });
  });

  it('judges IPv4-mapped IPv6 as the IPv4 address it carries', () => {
    expect(closed.check('::ffff:127.0.0.1')).toMatchObject({ allowed: false, address: '127.0.0.1', range: 'loopback' });
    expect(closed.check('[::ffff:7f00:1]')).toMatchObject({ allowed: false, address: '127.0.0.1' });
    expect(closed.check('::ffff:8.8.8.8')).toMatchObject({ allowed: true, address: '8.8.8.8' });
  });

  it('refuses what is not a four-part IP address', () => {
    expect(closed.check('localhost')).toMatchObject({ allowed: false, range: 'invalid' });
    expect(closed.check('0x7f.1')).toMatchObject({ allowed: false, range: 'invalid' });
  });

  it('allows private addresses inside an allowlisted CIDR only', () => {
    const policy = createDestinationPolicy(['127.0.0.1/32', '10.1.0.0/16', 'fd00::/8', '192.168.0.7']);
    expect(policy.check('127.0.0.1').allowed).toBe(true);
    expect(policy.check('127.0.0.2').allowed).toBe(false);
    expect(policy.check('::ffff:127.0.0.1').allowed).toBe(true);
    expect(policy.check('10.1.200.3').allowed).toBe(true);
    expect(policy.check('10.2.0.1').allowed).toBe(false);
    expect(policy.check('fd00::5').allowed).toBe(true);
    expect(policy.check('fc00::5').allowed).toBe(false);
    expect(policy.check('192.168.0.7').allowed).toBe(true);
    expect(policy.check('::1').allowed).toBe(false);
  });

  it('reads IPv4-mapped allowlist entries as IPv4', () => {
    expect(createDestinationPolicy(['::ffff:10.0.0.0/104']).check('10.9.9.9').allowed).toBe(true);
  });

  it('refuses an invalid allowlist entry with a non-retryable config error', () => {
    expect(() => createDestinationPolicy(['10.0.0.0/33'])).toThrow(ActionError);
    try {
      createDestinationPolicy(['nope']);
    } catch (error) {
      expect(error).toMatchObject({ kind: 'config', retryable: false, code: 'INVALID_CONFIG' });
    }
  });
});

describe('intersectAllowlists', () => {
  it('gives a tenant only what is in its own list and in the operator’s ceiling', () => {
    expect(intersectAllowlists(['127.0.0.1/32', '10.1.0.0/16'], ['127.0.0.0/8', '10.0.0.0/8'])).toEqual([
      '127.0.0.1/32',
      '10.1.0.0/16',
    ]);
    // a wider tenant entry is narrowed to the ceiling; outside the ceiling there is nothing
    expect(intersectAllowlists(['10.0.0.0/8', '192.168.0.0/16'], ['10.2.3.4'])).toEqual(['10.2.3.4/32']);
    expect(intersectAllowlists(['172.16.0.0/12'], ['10.0.0.0/8'])).toEqual([]);
    expect(intersectAllowlists(['127.0.0.1/32'], [])).toEqual([]);
    expect(intersectAllowlists([], ['127.0.0.1/32'])).toEqual([]);
    expect(intersectAllowlists(['::1'], ['127.0.0.1/32', '::/0'])).toEqual(['::1/128']);
  });

  it('refuses an invalid entry as a config error', () => {
    expect(() => intersectAllowlists(['not-a-cidr'], ['10.0.0.0/8'])).toThrow(ActionError);
    expect(invalidNetworks(['10.0.0.0/8', '::1', 'not-a-cidr', '10.0.0.0/33'])).toEqual(['not-a-cidr', '10.0.0.0/33']);
  });
});
