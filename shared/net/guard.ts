// The SSRF guard for connections to hosts that users name (import sources, distribution channels): only globally
// routable unicast addresses, unless the operator allows private networks or names ranges. The address a name
// resolves to is checked when each socket connects (a `lookup` for http.Agent / net.connect), so neither a redirect
// nor a DNS answer that changes after a check can steer a connection to a private network; a host written as an IP
// literal skips the lookup, so callers check URLs with `checkUrlHost` before each request.
// No dependency on any other shared/ folder: shared/import and shared/distribution both build on it.
import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

export interface AddressPolicy {
  /** the guard is off: private, loopback and link-local addresses are reachable (tests, closed networks) */
  allowPrivateNetworks: boolean;
  /** CIDR ranges reachable even with the guard on (an operator's internal server) */
  allowedRanges?: string[];
}

/** A connection the guard refused; `setting` names the configuration that would allow it. */
export class AddressRefused extends Error {
  constructor(readonly host: string, readonly address: string, setting: string) {
    super(`refused: ${host} resolves to ${address}, a private or reserved address (${setting} is off)`);
    this.name = 'AddressRefused';
  }
}

/** Only globally routable unicast addresses: no private, loopback, link-local, CGNAT, multicast or reserved ranges. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

/** Whether the guard lets a connection to this address through. */
export function addressAllowed(address: string, policy: AddressPolicy): boolean {
  if (policy.allowPrivateNetworks || isPublicAddress(address)) return true;
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address);
  return (policy.allowedRanges ?? []).some((cidr) => {
    const range = ipaddr.parseCIDR(cidr);
    return parsed.kind() === range[0].kind() && parsed.match(range);
  });
}

export type Refusal = (address: string, host: string) => Error;

/** A dns.lookup that refuses addresses the policy does not allow: the `lookup` of every guarded socket. */
export function guardedLookup(policy: AddressPolicy, refuse: Refusal): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as { address: string; family: number }[];
      const refused = list.find((a) => !addressAllowed(a.address, policy));
      if (refused) return callback(refuse(refused.address, hostname) as NodeJS.ErrnoException, '', 0);
      if ((options as { all?: boolean }).all) return (callback as (e: null, a: typeof list) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

/** A host written as an IP literal is connected to without a lookup: check it before the request. */
export function checkUrlHost(url: URL, policy: AddressPolicy, refuse: Refusal): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !addressAllowed(host, policy)) throw refuse(host, host);
}

/** Keep-alive agents whose every new socket goes through the guard; `maxSockets` bounds connections per origin. */
export function guardedAgents(policy: AddressPolicy, refuse: Refusal, options: { maxSockets?: number; idleMs?: number } = {}): { http: http.Agent; https: https.Agent; destroy(): void } {
  const lookup = guardedLookup(policy, refuse);
  const settings = { lookup, keepAlive: true, maxSockets: options.maxSockets ?? Infinity, maxFreeSockets: options.maxSockets ?? 256, timeout: options.idleMs };
  const agents = { http: new http.Agent(settings), https: new https.Agent(settings) };
  return { ...agents, destroy: () => { agents.http.destroy(); agents.https.destroy(); } };
}
