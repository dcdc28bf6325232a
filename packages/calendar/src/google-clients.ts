import type { GoogleConfig } from '@nudge/config';
import { OAuth2Client } from 'google-auth-library';
// The per-API package: the `googleapis` bundle ships every Google API (≈240 MB installed).
import { calendar, type calendar_v3 } from '@googleapis/calendar';

export const CALENDAR_READONLY_SCOPE = 'https://www.googleapis.com/auth/calendar.readonly';

export type CalendarApi = calendar_v3.Calendar;

/**
 * Stands before every HTTP request a client makes (API calls and token refreshes alike): the
 * shared quota budget. `before` resolves when the request may go; `answered` hears every
 * outcome, so rate limits can shrink the budget.
 */
export interface RequestGate {
  before(signal: AbortSignal | undefined): Promise<void>;
  answered(error: unknown): void;
}
export type { calendar_v3 };

/**
 * The real google-auth-library and Google Calendar clients, pointed at the configured endpoints
 * (Google's, or the local emulator's). Their own retries are off: the caller's policy decides
 * what is retried, so a rate limit is never retried by two layers at once.
 */
export class GoogleClients {
  constructor(
    private readonly config: GoogleConfig,
    private readonly redirectUri?: string,
  ) {}

  /**
   * `idTokens`: where ID tokens' signing keys are fetched and which issuers they may name (sign-in).
   * `gate`: every request of this client (and of the API clients made with it) waits for it.
   * `requestTimeoutMs`: how long each request may take once the gate lets it go. (gaxios's own
   * `timeout` starts before the request interceptors run, so a long wait for quota, Google having
   * paused every replica, would use it up before the request was even sent.)
   */
  oauth(
    options: { idTokens?: { certsUrl: string; issuers: string[] }; gate?: RequestGate; requestTimeoutMs?: number } = {},
  ): OAuth2Client {
    const { idTokens, gate, requestTimeoutMs } = options;
    const client = new OAuth2Client({
      clientId: this.config.clientId,
      clientSecret: this.config.clientSecret,
      ...(this.redirectUri === undefined ? {} : { redirectUri: this.redirectUri }),
      endpoints: {
        oauth2AuthBaseUrl: this.config.authUrl,
        oauth2TokenUrl: this.config.tokenUrl,
        oauth2RevokeUrl: this.config.revokeUrl,
        ...(idTokens === undefined ? {} : { oauth2FederatedSignonPemCertsUrl: idTokens.certsUrl }),
      },
      ...(idTokens === undefined ? {} : { issuers: idTokens.issuers }),
    });
    // Token requests carry a retry config of their own (3 tries on 5xx/429); this overrides it.
    client.transporter.interceptors.request.add({
      resolved: async (options) => {
        options.retry = false;
        options.retryConfig = { retry: 0, noResponseRetries: 0 };
        const signal = options.signal ?? undefined;
        await gate?.before(signal);
        if (requestTimeoutMs !== undefined) options.signal = withTimeout(signal, requestTimeoutMs);
        return options;
      },
    });
    if (gate !== undefined) {
      client.transporter.interceptors.response.add({
        resolved: async (response) => {
          gate.answered(undefined);
          return response;
        },
        rejected: (error: unknown) => {
          gate.answered(error);
          throw error;
        },
      });
    }
    return client;
  }

  calendar(auth: OAuth2Client): CalendarApi {
    return calendar({ version: 'v3', rootUrl: `${this.config.apiRootUrl}/`, auth, retry: false });
  }
}

/** `signal`, also aborted with a TimeoutError after `ms` (gaxios reports that as code 'TimeoutError'). */
function withTimeout(signal: AbortSignal | undefined, ms: number): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  return signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
}
