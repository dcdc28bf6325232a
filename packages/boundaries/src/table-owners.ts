/**
 * Which module owns the writes of each table: table → the path prefix (from the repository
 * root) of the one module allowed to insert into, update or delete from it. Reads may be
 * anywhere. A table not listed here has no declared owner yet: its writers are listed, not
 * checked. Add a table when its owner module exists.
 */
export const TABLE_OWNERS: Readonly<Record<string, string>> = {
  alerts: 'packages/alerts/',
  alert_events: 'packages/alerts/',
  deliveries: 'packages/alerts/',
  checkin_tokens: 'packages/alerts/',
};
