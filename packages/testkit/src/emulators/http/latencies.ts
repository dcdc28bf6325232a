import { ANY } from './scripted-responses.js';

/** A response delay per key (user, endpoint), falling back to the delay set for `ANY`. */
export class Latencies {
  private readonly byKey = new Map<string, number>();

  set(key: string, ms: number): void {
    this.byKey.set(key, ms);
  }

  get(key: string): number {
    return this.byKey.get(key) ?? this.byKey.get(ANY) ?? 0;
  }
}
