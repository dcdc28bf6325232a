import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';

/**
 * A DNS resolver whose answers a test scripts (host → addresses), counting the lookups per host.
 * Unscripted hosts do not resolve, as getaddrinfo reports it.
 */
export class ScriptedResolver {
  readonly lookups = new Map<string, number>();
  private readonly answers = new Map<string, string[]>();

  answer(hostname: string, ...addresses: string[]): this {
    this.answers.set(hostname.toLowerCase(), addresses);
    return this;
  }

  readonly resolve = async (hostname: string): Promise<LookupAddress[]> => {
    const name = hostname.toLowerCase();
    this.lookups.set(name, (this.lookups.get(name) ?? 0) + 1);
    const addresses = this.answers.get(name);
    if (addresses === undefined)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
    return addresses.map((address) => ({ address, family: isIP(address) }));
  };
}
