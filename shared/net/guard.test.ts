// The SSRF guard shared by import and distribution: which addresses pass, and that the lookup (every connection's
// DNS answer) refuses what the policy does not allow.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AddressRefused, addressAllowed, checkUrlHost, guardedLookup, isPublicAddress } from './guard.ts';

const refuse = (address: string, host: string) => new AddressRefused(host, address, 'TEST_ALLOW');
const closed = { allowPrivateNetworks: false };

test('only globally routable unicast addresses are public', () => {
  for (const address of ['8.8.8.8', '2001:4860:4860::8888', '::ffff:1.1.1.1']) assert.equal(isPublicAddress(address), true, address);
  for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fc00::1', '::ffff:127.0.0.1', '224.0.0.1', 'not-an-ip']) {
    assert.equal(isPublicAddress(address), false, address);
  }
});

test('private networks pass when allowed, or when in an allowed range', () => {
  assert.equal(addressAllowed('127.0.0.1', closed), false);
  assert.equal(addressAllowed('127.0.0.1', { allowPrivateNetworks: true }), true);
  assert.equal(addressAllowed('10.20.3.4', { allowPrivateNetworks: false, allowedRanges: ['10.20.0.0/16'] }), true);
  assert.equal(addressAllowed('10.21.3.4', { allowPrivateNetworks: false, allowedRanges: ['10.20.0.0/16'] }), false);
  assert.equal(addressAllowed('::1', { allowPrivateNetworks: false, allowedRanges: ['127.0.0.0/8'] }), false, 'an IPv4 range does not match IPv6');
});

test('an IP literal is checked before connecting; a name when it resolves', async () => {
  assert.throws(() => checkUrlHost(new URL('http://169.254.169.254/latest/meta-data'), closed, refuse), /169\.254\.169\.254.*TEST_ALLOW is off/);
  assert.throws(() => checkUrlHost(new URL('http://[::1]:8080/'), closed, refuse), AddressRefused);
  checkUrlHost(new URL('http://example.com/'), closed, refuse); // a name: left to the lookup
  const resolve = (policy: Parameters<typeof guardedLookup>[0]) => new Promise<string>((done, fail) => {
    guardedLookup(policy, refuse)('localhost', { family: 4 }, (error, address) => (error ? fail(error) : done(address as string)));
  });
  await assert.rejects(resolve(closed), (error: Error) => error instanceof AddressRefused && /localhost resolves to 127\.0\.0\.1/.test(error.message));
  assert.equal(await resolve({ allowPrivateNetworks: false, allowedRanges: ['127.0.0.0/8'] }), '127.0.0.1');
});
