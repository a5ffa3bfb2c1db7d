import { BlockList, isIP } from 'node:net';
import { GoliveError } from '../../errors.ts';

/** Decides which hosts the sender may deliver to. */
export interface HostGuard {
  /** `true` for a loopback host or one in `allowHosts`; takes a URL's `hostname` (IPv6 with or without brackets). */
  allows(hostname: string): boolean;
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}[a-z0-9_])?)*\.?$/i;

/** The hostname without IPv6 brackets, lower case, without a trailing dot. */
function bare(hostname: string): string {
  const h = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return h.toLowerCase().replace(/\.$/, '');
}

/**
 * A guard allowing loopback (127.0.0.0/8, ::1, `localhost`, IPv4-mapped loopback) and `allowHosts`:
 * host names (exact, case-insensitive), IP addresses, or CIDR ranges (`10.0.0.0/8`, `fd00::/8`).
 * Throws `GOLIVE_ERR_CONFIG_INVALID` naming an entry it cannot read.
 *
 * A host name is allowed by name: the sender does not check what it resolves to, so allow only
 * names whose DNS you control.
 */
export function createHostGuard(allowHosts: readonly string[] = []): HostGuard {
  const ips = new BlockList();
  ips.addSubnet('127.0.0.0', 8, 'ipv4');
  ips.addAddress('::1', 'ipv6');
  const names = new Set<string>(['localhost']);
  allowHosts.forEach((entry, i) => {
    const where = `allowHosts.${i}`;
    if (typeof entry !== 'string' || entry.length === 0) {
      throw new GoliveError('GOLIVE_ERR_CONFIG_INVALID', `${where}: expected a host name, an IP address or a CIDR range`);
    }
    const slash = entry.indexOf('/');
    if (slash >= 0) {
      const net = bare(entry.slice(0, slash));
      const prefix = Number(entry.slice(slash + 1));
      const family = isIP(net);
      if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
        throw new GoliveError('GOLIVE_ERR_CONFIG_INVALID', `${where}: "${entry}" is not a CIDR range (like 10.0.0.0/8)`);
      }
      ips.addSubnet(net, prefix, family === 4 ? 'ipv4' : 'ipv6');
      return;
    }
    const host = bare(entry);
    const family = isIP(host);
    if (family !== 0) ips.addAddress(host, family === 4 ? 'ipv4' : 'ipv6');
    else if (HOSTNAME.test(host)) names.add(host);
    else throw new GoliveError('GOLIVE_ERR_CONFIG_INVALID', `${where}: "${entry}" is not a host name, an IP address or a CIDR range`);
  });
  return {
    allows(hostname) {
      const host = bare(hostname);
      const family = isIP(host);
      if (family === 0) return names.has(host);
      return ips.check(host, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
