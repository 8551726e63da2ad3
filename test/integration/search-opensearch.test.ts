// The SearchIndex conformance suite against OpenSearch, when OPENSEARCH_URL names a server. OpenSearch is an
// optional backend that cannot be installed on the team's machines: without OPENSEARCH_URL the suite is
// skipped, loudly, even with CI=true (the embedded default and PostgreSQL carry the required coverage).
import { randomUUID } from 'node:crypto';
import { describe } from 'node:test';
import { searchConformanceSuite } from '../support/search-conformance.ts';
import { OpenSearchSearchIndex } from '../../shared/search/opensearch.ts';
import { requireServer } from '../support/servers.ts';

const url = process.env.OPENSEARCH_URL;
if (!url) console.warn('\n*** SKIPPED: OpenSearch conformance suite: OPENSEARCH_URL is not set (optional backend; no OpenSearch server on this machine) ***\n');
// Set but not answering is a broken setup: requireServer fails on CI and skips loudly elsewhere.
const reachable = url ? await requireServer('OpenSearch', url) : false;

describe('OpenSearch', { skip: !reachable && `OpenSearch ${url ? `is not reachable at ${url}` : 'is not configured (OPENSEARCH_URL unset)'}` }, () => {
  searchConformanceSuite('OpenSearch', async () => {
    // A throwaway index per run; refresh on every write so the next search sees it.
    const index = await OpenSearchSearchIndex.open(url!, { index: `mediateca-test-${randomUUID()}`, refresh: true });
    return {
      index,
      async close() {
        await index.dropIndex();
        await index.close();
      },
    };
  });
});
