export { createDbClient, type DbClientOptions, type Sql, type SqlFragment, type TransactionSql } from './client.js';
export {
  pendingMigrations,
  runMigrations,
  type MigrateOptions,
  type MigrateResult,
  type MigrationLogger,
} from './migrator.js';
export { listSqlMigrations, MIGRATIONS_DIR, type SqlMigration } from './sql-migrations.js';
export { ROLE_TABLES, SCHEMA_BY_MIGRATION, verifySchema, type MissingColumn, type SchemaRole } from './schema.js';
