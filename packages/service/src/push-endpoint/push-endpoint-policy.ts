import { promises as dns, type LookupAddress } from 'node:dns';
import { Agent, type AgentOptions } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { AllowedPushHost } from '@nudge/config';
import { nonPublicAddressClass } from './address-class.js';

/** Every address a host name resolves to now. */
export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;

/** Node's resolver (getaddrinfo, as every other connection of the process uses). */
export const resolveWithDns: ResolveHost = (hostname) => dns.lookup(hostname, { all: true });

/**
 * The push services browsers subscribe with: Chrome, Edge's Chromium and most others (FCM),
 * Firefox (autopush), Safari (Apple Web Push), legacy Edge (WNS). `*.` matches any subdomain.
 */
export const KNOWN_PUSH_SERVICES: readonly string[] = [
  'fcm.googleapis.com',
  'updates.push.services.mozilla.com',
  '*.push.apple.com',
  '*.notify.windows.com',
];

/** A push endpoint (or an address it resolves to) that Nudge will not send to. */
export class PushEndpointRefusedError extends Error {
  override readonly name = 'PushEndpointRefusedError';
  readonly code = 'ERR_PUSH_ENDPOINT_POLICY';
}

export type EndpointVerdict =
  /** `url` is the endpoint as the URL standard writes it; `trusted`: PUSH_ENDPOINT_ALLOWED_HOSTS, no address check. */
  { allowed: true; trusted: boolean; url: URL } | { allowed: false; reason: string };

export interface PushEndpointPolicyOptions {
  /** PUSH_ENDPOINT_ALLOWED_HOSTS. */
  allowedHosts: readonly AllowedPushHost[];
  /** node's dns.lookup unless a test supplies its own resolver. */
  resolve?: ResolveHost;
  knownServices?: readonly string[];
  /** For the sending agent, e.g. the CA of a local push service. */
  agentOptions?: AgentOptions;
}

const refuse = (reason: string): EndpointVerdict => ({ allowed: false, reason });

/**
 * Where Nudge may send Web Push: https on port 443 to a known push service whose every address
 * is public unicast, or a host the operator trusts exactly as configured. Applied when a
 * subscription is registered and again on every send, where `agentFor` connects only to the
 * addresses its own resolution checked, so a name that changes its answer cannot slip through.
 */
export class PushEndpointPolicy {
  private readonly agents: { checked?: Agent; trusted?: Agent } = {};
  private readonly agentOptions: AgentOptions | undefined;
  private readonly allowedHosts: readonly AllowedPushHost[];
  private readonly resolve: ResolveHost;
  private readonly knownServices: readonly string[];

  constructor(options: PushEndpointPolicyOptions) {
    this.allowedHosts = options.allowedHosts;
    this.resolve = options.resolve ?? resolveWithDns;
    this.knownServices = options.knownServices ?? KNOWN_PUSH_SERVICES;
    this.agentOptions = options.agentOptions;
  }

  /**
   * The keep-alive HTTPS agent to send to an allowed endpoint with: for a trusted host one that
   * resolves as usual, for any other one whose every new connection goes through `lookup`.
   */
  agentFor(verdict: EndpointVerdict & { allowed: true }): Agent {
    if (verdict.trusted) {
      this.agents.trusted ??= new Agent({ keepAlive: true, ...this.agentOptions, lookup: lookupWith(this.resolve) });
      return this.agents.trusted;
    }
    this.agents.checked ??= new Agent({ keepAlive: true, ...this.agentOptions, lookup: this.lookup });
    return this.agents.checked;
  }

  /** The endpoint's form alone (scheme, user-info, port, IP literals, host): no DNS. */
  checkForm(endpoint: string): EndpointVerdict {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return refuse('endpoint must be an absolute https URL');
    }
    if (url.protocol !== 'https:') return refuse('endpoint must be an https URL');
    // The authority as written: what PUSH_ENDPOINT_ALLOWED_HOSTS is compared with. Spellings the
    // URL parser would repair (backslashes, whitespace, missing slashes) are not accepted at all.
    const written = /^https:\/\/([^/?#]*)/i.exec(endpoint);
    if (written === null || /[\s\\]/.test(endpoint)) return refuse('endpoint must be written as https://host/path');
    const authority = written[1]!;
    if (authority.includes('@') || url.username !== '' || url.password !== '')
      return refuse('endpoint must not contain user information');
    if (this.isTrusted(authority)) return { allowed: true, trusted: true, url };
    if (url.port !== '') return refuse('endpoint must use the https port (443)');
    if (url.hostname.startsWith('[') || isIP(url.hostname) !== 0)
      return refuse('endpoint must name a push service, not an IP address');
    if (!this.isKnownService(url.hostname)) {
      return refuse(`endpoint host ${url.hostname} is not a known push service (${this.knownServices.join(', ')})`);
    }
    return { allowed: true, trusted: false, url };
  }

  /** The form, and every address the host resolves to now: for registration. */
  async check(endpoint: string): Promise<EndpointVerdict> {
    const verdict = this.checkForm(endpoint);
    if (!verdict.allowed || verdict.trusted) return verdict;
    try {
      await this.resolveChecked(verdict.url.hostname);
    } catch (error) {
      if (error instanceof PushEndpointRefusedError) return refuse(error.message);
      return refuse(`endpoint host ${verdict.url.hostname} could not be resolved`);
    }
    return verdict;
  }

  /** For net.connect: resolves once and hands over exactly the addresses it checked, or refuses. */
  readonly lookup: LookupFunction = lookupWith((hostname) => this.resolveChecked(hostname));

  /** Closes the agents' idle connections. */
  close(): void {
    this.agents.checked?.destroy();
    this.agents.trusted?.destroy();
  }

  private async resolveChecked(hostname: string): Promise<LookupAddress[]> {
    const addresses = await this.resolve(hostname);
    for (const { address } of addresses) {
      const problem = nonPublicAddressClass(address);
      if (problem !== undefined)
        throw new PushEndpointRefusedError(`endpoint host ${hostname} resolves to a ${problem} address`);
    }
    return addresses;
  }

  private isTrusted(authority: string): boolean {
    const port = /:(\d*)$/.exec(authority.startsWith('[') ? authority.slice(authority.indexOf(']')) : authority);
    const host = port === null ? authority : authority.slice(0, -port[0].length);
    return this.allowedHosts.some(
      (entry) => entry.host === host && (entry.port === undefined || String(entry.port) === port?.[1]),
    );
  }

  private isKnownService(hostname: string): boolean {
    return this.knownServices.some((service) =>
      service.startsWith('*.')
        ? hostname.endsWith(service.slice(1)) && hostname.length > service.length - 1
        : hostname === service,
    );
  }
}

/** A net.connect `lookup` that answers from `resolve`: one address, or all of them when asked. */
function lookupWith(resolve: ResolveHost): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname.toLowerCase()).then(
      (addresses) => {
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const wanted = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
        const first = wanted[0];
        if (first === undefined) {
          callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), '');
        } else if (options.all === true) callback(null, wanted);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}
