import { randomBytes } from 'node:crypto';

/** What `events.watch` was asked for, as Google reads the request body. */
export interface WatchRequest {
  id: string;
  type: string;
  address: string;
  token?: string;
  params?: { ttl?: string };
}

/** A push notification channel on one user's primary calendar. */
export interface WatchChannel {
  id: string;
  email: string;
  resourceId: string;
  resourceUri: string;
  address: string;
  token: string | undefined;
  expiration: number;
  stopped: boolean;
  /** Google numbers each channel's messages from 1 (the `sync` message). */
  messageNumber: number;
}

/** Why a watch request is refused, worded as Google words it. */
export class WatchError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const CHANNEL_ID = /^[A-Za-z0-9\-_+/=]{1,64}$/;
/** Google's default channel lifetime for Calendar when no ttl is asked for (a week), and its longest. */
const DEFAULT_TTL_SECONDS = 7 * 86_400;
const MAX_TTL_SECONDS = 30 * 86_400;

/**
 * The emulator's channels: created by events.watch, ended by channels.stop, by their expiry or
 * by the grant being revoked. `allowHttpLoopback` lets tests register the api's plain-http
 * loopback address; Google itself accepts only https.
 */
export class WatchChannels {
  private readonly byId = new Map<string, WatchChannel>();
  private readonly byEmail = new Map<string, WatchChannel[]>();
  /** One resource id per user's primary calendar, stable across channels as Google's is. */
  private readonly resourceIds = new Map<string, string>();

  constructor(
    private readonly now: () => number,
    private readonly allowHttpLoopback: boolean,
  ) {}

  watch(email: string, calendarId: string, request: WatchRequest, resourceUri: string): WatchChannel {
    if (typeof request.id !== 'string' || !CHANNEL_ID.test(request.id))
      throw new WatchError(400, 'invalid', 'Invalid channel id.');
    if (request.type !== 'web_hook' && request.type !== 'webhook')
      throw new WatchError(400, 'invalid', 'Unsupported channel type.');
    if (this.byId.has(request.id)) throw new WatchError(400, 'channelIdNotUnique', 'Channel id not unique.');
    let address: URL;
    try {
      address = new URL(request.address);
    } catch {
      throw new WatchError(400, 'push.webhookUrlUnauthorized', 'Unauthorized WebHook callback channel: not a URL.');
    }
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(address.hostname);
    if (address.protocol !== 'https:' && !(this.allowHttpLoopback && address.protocol === 'http:' && loopback)) {
      throw new WatchError(400, 'push.webhookUrlNotHttps', 'WebHook callback must be HTTPS: ' + request.address);
    }
    const asked = Number(request.params?.ttl ?? DEFAULT_TTL_SECONDS);
    const ttl = Number.isFinite(asked) && asked > 0 ? Math.min(asked, MAX_TTL_SECONDS) : DEFAULT_TTL_SECONDS;
    const key = `${email}/${calendarId}`;
    let resourceId = this.resourceIds.get(key);
    if (resourceId === undefined) {
      resourceId = randomBytes(14).toString('base64url');
      this.resourceIds.set(key, resourceId);
    }
    const channel: WatchChannel = {
      id: request.id,
      email,
      resourceId,
      resourceUri,
      address: request.address,
      token: request.token,
      expiration: this.now() + ttl * 1000,
      stopped: false,
      messageNumber: 0,
    };
    this.byId.set(channel.id, channel);
    this.byEmail.set(email, [...(this.byEmail.get(email) ?? []), channel]);
    return channel;
  }

  /** channels.stop: only with the channel's id and resource id, by the user who created it. */
  stop(email: string, id: string, resourceId: string): boolean {
    const channel = this.byId.get(id);
    if (channel === undefined || channel.stopped || channel.email !== email || channel.resourceId !== resourceId)
      return false;
    channel.stopped = true;
    return true;
  }

  stopAllOf(email: string): void {
    for (const channel of this.byEmail.get(email) ?? []) channel.stopped = true;
  }

  /** Channels still delivering for the user: not stopped, not expired. */
  active(email?: string): WatchChannel[] {
    const now = this.now();
    return this.all(email).filter((c) => !c.stopped && c.expiration > now);
  }

  all(email?: string): WatchChannel[] {
    return email === undefined ? [...this.byId.values()] : [...(this.byEmail.get(email) ?? [])];
  }

  /** Ends a channel now, as its expiry would. */
  expire(id: string): void {
    const channel = this.byId.get(id);
    if (channel !== undefined) channel.expiration = Math.min(channel.expiration, this.now());
  }
}
