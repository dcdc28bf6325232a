import { isIPv4, isIPv6 } from 'node:net';
import { ConfigError } from './config-error.js';
import { readList, type Env } from './env-reader.js';

/** A `PUSH_ENDPOINT_ALLOWED_HOSTS` entry: endpoints on this host (and port, when given) are trusted as configured. */
export interface AllowedPushHost {
  /** As an endpoint URL writes it: a lower-case name, a dotted IPv4 address or a bracketed IPv6 address. */
  host: string;
  /** Any port when undefined. */
  port: number | undefined;
}

const VARIABLE = 'PUSH_ENDPOINT_ALLOWED_HOSTS';
const EXAMPLE = '127.0.0.1:8443,push.internal.example';
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The hosts an operator trusts beyond the known push services (emulators, an internal push
 * service). Entries are kept exactly as a URL writes them, since only that spelling is trusted.
 */
export function pushEndpointAllowedHosts(env: Env): AllowedPushHost[] {
  return readList(env, VARIABLE).map((entry) => {
    const parsed = parseEntry(entry.toLowerCase());
    if (parsed === undefined) {
      throw new ConfigError(VARIABLE, `has an entry that is not host[:port] (got ${JSON.stringify(entry)})`, EXAMPLE);
    }
    return parsed;
  });
}

function parseEntry(entry: string): AllowedPushHost | undefined {
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(entry);
  if (match === null) return undefined;
  const host = match[1]!;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65535 || String(port) !== match[2])) return undefined;
  if (host.startsWith('[')) return isIPv6(host.slice(1, -1)) ? { host, port } : undefined;
  if (isIPv4(host)) return { host, port };
  const labels = host.split('.');
  // A name whose last label starts with a digit is an IPv4 address in another notation to a URL parser.
  if (!labels.every((label) => LABEL.test(label)) || !/^[a-z]/.test(labels.at(-1)!)) return undefined;
  return { host, port };
}
