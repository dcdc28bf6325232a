/**
 * Critical conditions for the people who run Nudge. `raise` is called for as long as a
 * condition holds; each incident notifies once. `resolve` ends it quietly.
 */
export interface OpsAlerts {
  raise(key: string, text: string): Promise<void>;
  resolve(key: string): Promise<void>;
}

/** Without OPS_SLACK_WEBHOOK_URL: nothing is sent, stored or loaded. */
export const silentOpsAlerts: OpsAlerts = { raise: async () => {}, resolve: async () => {} };
