// Parquet files in memory (@dsnp/parquetjs): the export writes whole files, small enough to hold (one batch of
// one partition), and puts each to the object store in one request.
import { Writable } from 'node:stream';

export type ColumnType = 'UTF8' | 'INT64' | 'DOUBLE' | 'BOOLEAN' | 'TIMESTAMP_MILLIS' | 'DATE';

export interface Column {
  type: ColumnType;
  /** a null value is allowed (else every row must have it) */
  optional?: boolean;
}

export type TableSchema = Record<string, Column>;

/** Encodes the rows as one Parquet file (SNAPPY-compressed columns, one row group per `rowGroupSize` rows). */
export async function parquetBuffer(schema: TableSchema, rows: Record<string, unknown>[], rowGroupSize = 50_000): Promise<Buffer> {
  // loaded on first use: the writer (thrift and its codecs) is most of the function's JavaScript
  const { default: parquet } = await import('@dsnp/parquetjs');
  const parquetSchema = new parquet.ParquetSchema(
    Object.fromEntries(Object.entries(schema).map(([name, column]) => [name, { type: column.type, optional: column.optional ?? false, compression: 'SNAPPY' as const }])),
  );
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  const writer = await parquet.ParquetWriter.openStream(parquetSchema, sink as any, { rowGroupSize });
  for (const row of rows) {
    // parquetjs skips a missing optional field but not an explicit null
    await writer.appendRow(Object.fromEntries(Object.entries(row).filter(([, value]) => value !== null && value !== undefined)));
  }
  await writer.close();
  return Buffer.concat(chunks);
}

/** Every row of a Parquet file (64-bit integers as numbers, timestamps as Dates, missing optional values as null). */
export async function readParquet(buffer: Buffer, schema: TableSchema): Promise<Record<string, unknown>[]> {
  const { default: parquet } = await import('@dsnp/parquetjs');
  const reader = await parquet.ParquetReader.openBuffer(buffer);
  const rows: Record<string, unknown>[] = [];
  try {
    const cursor = reader.getCursor();
    for (let row = (await cursor.next()) as Record<string, unknown> | null; row; row = (await cursor.next()) as Record<string, unknown> | null) {
      rows.push(Object.fromEntries(Object.entries(schema).map(([name, column]) => {
        const value = row![name];
        if (value === undefined || value === null) return [name, null];
        return [name, column.type === 'INT64' ? Number(value) : value];
      })));
    }
  } finally {
    await reader.close();
  }
  return rows;
}
