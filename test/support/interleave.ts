// Writes interleaved between the statements of one operation, deterministically: a Kysely plugin that, once a
// query's result is in (and before the caller sees it), runs the given write.
import type { Kysely, KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

export interface Interleaving<DB> {
  /** the database with the hook */
  db: Kysely<DB>;
  /** the write runs once, after the `statement`-th statement from now (1 = the next one) */
  arm(statement: number): void;
  /** resolves when the write is done; rejects when it never ran */
  written(): Promise<void>;
}

/**
 * `await: true` waits for the write before the statement returns (a server's write goes through another pooled
 * connection); `await: false` only starts it (PGlite's one connection is held by the statement, so the write
 * queues for it and runs as soon as the operation lets go of the connection).
 */
export function interleaved<DB>(db: Kysely<DB>, write: () => Promise<unknown>, options: { await: boolean }): Interleaving<DB> {
  let remaining: number | undefined;
  let writing: Promise<unknown> | undefined;
  const plugin: KyselyPlugin = {
    transformQuery: (args: PluginTransformQueryArgs): RootOperationNode => args.node,
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      if (remaining !== undefined && --remaining === 0) {
        writing = write();
        if (options.await) await writing;
      }
      return args.result;
    },
  };
  return {
    db: db.withPlugin(plugin),
    arm(statement) {
      remaining = statement;
    },
    async written() {
      if (!writing) throw new Error('the operation ended before the write was due: nothing was interleaved');
      await writing;
    },
  };
}
