// Its own entry point (@nudge/service/twilio): only roles that talk to Twilio load the library.
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type * as TwilioResponse from 'twilio/lib/http/response.js';

/**
 * The twilio library's own RequestClient, sending to TWILIO_API_BASE_URL instead of
 * api.twilio.com: the library builds absolute Twilio URLs, so only the origin is swapped and
 * everything else (auth, form encoding, errors) stays the library's.
 */
export class BaseUrlRequestClient extends twilio.RequestClient {
  constructor(
    private readonly baseUrl: string,
    options: RequestClient.RequestClientOptions,
  ) {
    super(options);
  }

  override request<T>(opts: RequestClient.RequestOptions<T>): Promise<TwilioResponse.default<T>> {
    const original = new URL(opts.uri);
    return super.request({ ...opts, uri: new URL(original.pathname + original.search, this.baseUrl).href });
  }
}

const TWILIO_API = 'https://api.twilio.com';

/** A twilio client for the configured account; through the emulator when the base URL is not Twilio's. */
export function createTwilioClient(
  config: { accountSid: string; authToken: string; apiBaseUrl: string },
  timeoutMs: number,
): twilio.Twilio {
  const options = { timeout: timeoutMs, keepAlive: true };
  const httpClient =
    config.apiBaseUrl === TWILIO_API
      ? new twilio.RequestClient(options)
      : new BaseUrlRequestClient(config.apiBaseUrl, options);
  return twilio(config.accountSid, config.authToken, { httpClient });
}
