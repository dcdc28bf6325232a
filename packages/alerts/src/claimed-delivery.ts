/** A push delivery this process holds (status `processing`) and is about to send. */
export interface ClaimedDelivery {
  delivery_id: string;
  alert_id: string;
  /** Whose alert: one user's sends in flight at once are capped. */
  user_id: string;
  subscription_id: string;
  attempt: number;
  endpoint: string;
  p256dh: string;
  auth: string;
  title: string;
  starts_at: Date;
  ends_at: Date;
}

/** Every push target of one alert, sent by this process: the check-in token travels in memory only. */
export type CheckinTokens = Map<string, string>;
