/**
 * Ends jest's output with one machine-readable line, "N passed, N failed", counted from the
 * run's results. A suite that fails to load counts as one failure, so it cannot hide.
 */
interface AggregatedResult {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numRuntimeErrorTestSuites: number;
}

export default class SummaryReporter {
  onRunComplete(_contexts: unknown, results: AggregatedResult): void {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests > 0 ? `, ${results.numPendingTests} skipped` : '';
    // Written at exit so that it follows jest's own summary.
    process.once('exit', () =>
      process.stderr.write(`\n${results.numPassedTests} passed, ${failed} failed${skipped}\n`),
    );
  }
}
