/**
 * The roles' JSON log lines made readable in a terminal: time, role, event and message on one
 * line, with the ids that matter. Lines that are not JSON pass through unchanged.
 */
const SHOWN_FIELDS = [
  'user_id',
  'alert_id',
  'schedule',
  'count',
  'created',
  'sent',
  'total',
  'succeeded',
  'failed',
  'reason',
  'err',
] as const;

export function readableLogLine(role: string, line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${role.padEnd(6)} ${line}`;
  }
  const time =
    typeof entry.time === 'string' || typeof entry.time === 'number'
      ? new Date(entry.time).toISOString().slice(11, 19)
      : '';
  const level =
    typeof entry.level === 'number' && entry.level >= 50
      ? 'ERROR '
      : typeof entry.level === 'number' && entry.level >= 40
        ? 'WARN '
        : '';
  const fields = SHOWN_FIELDS.filter((key) => entry[key] !== undefined).map(
    (key) => `${key}=${typeof entry[key] === 'object' ? JSON.stringify(entry[key]) : String(entry[key])}`,
  );
  return [time, role.padEnd(6), `${level}${String(entry.event ?? '')}`, String(entry.msg ?? ''), ...fields]
    .filter((part) => part !== '')
    .join('  ');
}
