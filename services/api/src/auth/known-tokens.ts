/**
 * Hashes of tokens (and browser session secrets) recently proven valid, with their
 * organisation, so the rate limiter (which runs before authentication) can give a real token
 * its own bucket and charge its
 * organisation's, while anything unproven counts against the client's address: spraying
 * made-up tokens cannot escape the per-address limit.
 */
export class KnownTokens {
  private readonly seen = new Map<string, { expires: number; orgId: string }>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  remember(tokenHash: string, orgId: string, now = Date.now()): void {
    this.seen.delete(tokenHash);
    this.seen.set(tokenHash, { expires: now + this.ttlMs, orgId });
    if (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
  }

  has(tokenHash: string, now = Date.now()): boolean {
    return this.orgOf(tokenHash, now) !== undefined;
  }

  /** The organisation of a token proven recently; undefined for one not (or no longer) known. */
  orgOf(tokenHash: string, now = Date.now()): string | undefined {
    const entry = this.seen.get(tokenHash);
    if (entry === undefined) return undefined;
    if (entry.expires < now) {
      this.seen.delete(tokenHash);
      return undefined;
    }
    return entry.orgId;
  }
}
