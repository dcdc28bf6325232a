/**
 * Hashes of tokens recently proven valid, so the rate limiter (which runs before authentication)
 * can give a real token its own bucket while anything unproven counts against the client's
 * address: spraying made-up tokens cannot escape the per-address limit.
 */
export class KnownTokens {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  remember(tokenHash: string, now = Date.now()): void {
    this.seen.delete(tokenHash);
    this.seen.set(tokenHash, now + this.ttlMs);
    if (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
  }

  has(tokenHash: string, now = Date.now()): boolean {
    const expires = this.seen.get(tokenHash);
    if (expires === undefined) return false;
    if (expires < now) {
      this.seen.delete(tokenHash);
      return false;
    }
    return true;
  }
}
