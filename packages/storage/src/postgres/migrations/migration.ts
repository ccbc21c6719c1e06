/**
 * One step of the PostgreSQL schema. Migrations are applied in the order of MIGRATIONS, each once, and never
 * change after they are released: a new column or index is a new migration with the next number.
 */
export interface Migration {
  /** `NNNN_name`, unique and sorted: what `tally_schema_migrations` records. */
  id: string;
  /** Statements run in order, in the one transaction that applies every pending migration. */
  sql: readonly string[];
}
