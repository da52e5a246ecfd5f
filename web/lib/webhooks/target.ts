/**
 * Where a delivery may connect (SSRF): in production, never to a private, loopback, link-local,
 * shared, multicast or reserved address. The check runs at connect time, on the addresses the
 * host resolves to for this very delivery (`guardedLookup`, given to node:http as its `lookup`),
 * so a name that later resolves somewhere inside is refused then, and the connection goes to the
 * address that was checked (no second resolution to rebind).
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";

export const isProduction = () => process.env.NODE_ENV === "production";

const blocked = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  blocked.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["64:ff9b::", 96],
  ["2001:db8::", 32],
] as const)
  blocked.addSubnet(net, bits, "ipv6");

/** Whether `ip` (a literal v4 or v6 address) is one a webhook must not reach in production. */
export function isPrivateAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return blocked.check(ip, "ipv4");
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return blocked.check(mapped[1]!, "ipv4");
  if (/^::ffff:/i.test(ip)) return true;
  return blocked.check(ip, "ipv6");
}

export class BlockedTargetError extends Error {
  override name = "BlockedTargetError";
}

/** node:http's `lookup`, refusing (in production) a host that resolves to a blocked address. */
export function guardedLookup(production = isProduction()): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, "", 0);
      const list = addresses as unknown as LookupAddress[];
      const bad = production ? list.find((a) => isPrivateAddress(a.address)) : undefined;
      if (bad) return callback(new BlockedTargetError(`${hostname} resolves to a private address (${bad.address}): refused`), "", 0);
      if (!list[0]) return callback(new Error(`${hostname} has no address`), "", 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}
