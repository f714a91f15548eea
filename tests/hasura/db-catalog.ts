/** The relational schema the Prisma migrations produce, read from information_schema / pg_catalog. */
import type { TestDatabase } from '@conveyor/testing';

export interface DbColumn {
  name: string;
  /** information_schema data_type, e.g. `uuid`, `text`, `jsonb`, `USER-DEFINED`. */
  dataType: string;
  /** The type's own name: `uuid`, `text`, `int4`, `timestamptz`, `run_status`, … */
  udtName: string;
  nullable: boolean;
  hasDefault: boolean;
}

export interface DbForeignKey {
  name: string;
  table: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
}

export interface DbTable {
  name: string;
  columns: Map<string, DbColumn>;
  primaryKey: string[];
}

export interface DbCatalog {
  tables: Map<string, DbTable>;
  foreignKeys: DbForeignKey[];
  /** Enum type name → labels. */
  enums: Map<string, string[]>;
}

type Query = TestDatabase['prisma']['$queryRawUnsafe'];

export async function readCatalog(db: TestDatabase): Promise<DbCatalog> {
  const query = db.prisma.$queryRawUnsafe.bind(db.prisma) as Query;
  const columns = (await query(`
    SELECT table_name::text, column_name::text, data_type::text, udt_name::text, is_nullable::text, column_default::text
      FROM information_schema.columns
     WHERE table_schema = 'public'
     ORDER BY table_name, ordinal_position`)) as {
    table_name: string;
    column_name: string;
    data_type: string;
    udt_name: string;
    is_nullable: string;
    column_default: string | null;
  }[];
  const baseTables = (await query(`
    SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)) as {
    table_name: string;
  }[];
  const keys = (await query(`
    SELECT con.conname::text AS name, con.contype::text AS type, rel.relname::text AS table_name, ref.relname::text AS ref_table,
           ARRAY(SELECT att.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(num, ord)
                   JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = k.num ORDER BY k.ord) AS columns,
           ARRAY(SELECT att.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(num, ord)
                   JOIN pg_attribute att ON att.attrelid = con.confrelid AND att.attnum = k.num ORDER BY k.ord) AS ref_columns
      FROM pg_constraint con
      JOIN pg_class rel ON rel.oid = con.conrelid
      JOIN pg_namespace ns ON ns.oid = rel.relnamespace
      LEFT JOIN pg_class ref ON ref.oid = con.confrelid
     WHERE ns.nspname = 'public' AND con.contype IN ('f', 'p')`)) as {
    name: string;
    type: 'f' | 'p';
    table_name: string;
    ref_table: string | null;
    columns: string[];
    ref_columns: string[];
  }[];
  const enumRows = (await query(`
    SELECT t.typname::text AS name, e.enumlabel::text AS label
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = 'public' ORDER BY t.typname, e.enumsortorder`)) as { name: string; label: string }[];

  const tables = new Map<string, DbTable>(
    baseTables.map(({ table_name }) => [table_name, { name: table_name, columns: new Map(), primaryKey: [] }]),
  );
  for (const row of columns) {
    tables.get(row.table_name)?.columns.set(row.column_name, {
      name: row.column_name,
      dataType: row.data_type,
      udtName: row.udt_name,
      nullable: row.is_nullable === 'YES',
      hasDefault: row.column_default !== null,
    });
  }
  for (const key of keys.filter((row) => row.type === 'p')) {
    const table = tables.get(key.table_name);
    if (table) table.primaryKey = key.columns;
  }
  const foreignKeys = keys
    .filter((row) => row.type === 'f')
    .map((row) => ({
      name: row.name,
      table: row.table_name,
      columns: row.columns,
      refTable: row.ref_table ?? '',
      refColumns: row.ref_columns,
    }));
  const enums = new Map<string, string[]>();
  for (const row of enumRows) enums.set(row.name, [...(enums.get(row.name) ?? []), row.label]);
  return { tables, foreignKeys, enums };
}
