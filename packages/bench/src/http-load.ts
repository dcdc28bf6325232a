import autocannon from 'autocannon';
import { ratio, type BenchTarget } from './report.js';

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

/** Drives `url` with `connections` concurrent keep-alive connections for `seconds`. */
export async function load(
  url: string,
  options: { connections: number; seconds: number; headers?: Record<string, string>; requests?: autocannon.Request[] },
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.seconds,
    headers: options.headers ?? {},
    ...(options.requests === undefined ? {} : { requests: options.requests }),
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
  };
}

/** The targets of a route under load against the bare route: a share of its throughput, and a p99 bound. */
export function loadTargets(
  measured: LoadResult,
  baseline: LoadResult,
  target: { throughputShare: number; p99Ms: number },
): BenchTarget[] {
  return [
    {
      name: `throughput ≥ ${Math.round(target.throughputShare * 100)}% of the bare route`,
      met: measured.requestsPerSecond >= target.throughputShare * baseline.requestsPerSecond,
      detail: ratio(measured.requestsPerSecond, baseline.requestsPerSecond),
    },
    { name: `p99 < ${target.p99Ms} ms`, met: measured.p99Ms < target.p99Ms, detail: `${measured.p99Ms} ms` },
  ];
}

/** A load result as a figure: throughput and latency. */
export function formatLoad(result: LoadResult): string {
  return `${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms`;
}
