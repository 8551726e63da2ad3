// The SearchIndex conformance suite against server PostgreSQL (15 on these machines), in a throwaway database.
import { describe } from 'node:test';
import { openDatabase } from '../../shared/db/connect.ts';
import { searchConformanceSuite } from '../support/search-conformance.ts';
import { PostgresSearchIndex } from '../../shared/search/postgres.ts';
import { POSTGRES_URL, createTestDatabase, requireServer } from '../support/servers.ts';

const postgresUp = await requireServer('PostgreSQL', POSTGRES_URL);

describe('server PostgreSQL', { skip: !postgresUp && `PostgreSQL is not reachable at ${POSTGRES_URL}` }, () => {
  searchConformanceSuite('Postgres on server PostgreSQL', async () => {
    const created = await createTestDatabase();
    const database = await openDatabase(created.url);
    return {
      index: new PostgresSearchIndex(database.db),
      async close() {
        await database.close();
        await created.drop();
      },
    };
  });
});
