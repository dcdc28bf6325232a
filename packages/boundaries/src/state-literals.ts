import { sqlLiterals } from './sql-literals.js';

/** A comparison with an alert state or a delivery status written out in SQL. */
export interface StateLiteral {
  file: string;
  line: number;
  text: string;
}

/** The alert states no other table's `state` uses (calendar channels have `live`, `replaced`, `stopped`). */
const ALERT_STATE =
  /\bstate\s*(?:=|<>|!=|in\s*\()\s*'(?:scheduled|notified|escalated|acknowledged|cancelled|expired|failed)'/gi;
/** The delivery statuses no other table uses (`failed` is a job run's status too). */
const DELIVERY_STATUS = /\bstatus\s*(?:=|<>|!=|in\s*\()\s*'(?:pending|processing|completed|dead_letter)'/gi;

/**
 * Alert states and delivery statuses written out in SQL. Outside packages/alerts, SQL names them
 * through the domain's typed values (`statesFrom('notify')`), so a renamed state cannot hide.
 */
export function findStateLiterals(file: string, text: string): StateLiteral[] {
  const found: StateLiteral[] = [];
  for (const literal of sqlLiterals(file, text)) {
    for (const pattern of [ALERT_STATE, DELIVERY_STATUS]) {
      for (const match of literal.text.matchAll(pattern)) {
        const line = literal.line + (literal.text.slice(0, match.index).match(/\n/g)?.length ?? 0);
        found.push({ file, line, text: match[0] });
      }
    }
  }
  return found;
}
