// The SearchIndex port: the read model (CQRS) that `index` writes and `search` reads.
// Adapters: Postgres (tsvector + unaccent, the embedded default) and OpenSearch. One conformance suite for both.

export interface SearchDocument {
  assetId: string;
  projectId: string;
  mediaType: string;
  state: string;
  title: string;
  description: string;
  tags: string[];
  filename: string;
  createdAt: Date;
  /** when the media was captured (EXIF DateTimeOriginal), if known */
  capturedAt?: Date;
  /** extra searchable text by field name (EXIF camera, lens, place...), lowest weight */
  fields: Record<string, string>;
  /** shown with hits without another round trip */
  thumbnailKey?: string;
}

export const FACETS = ['mediaType', 'projectId', 'state', 'tags'] as const;
export type Facet = (typeof FACETS)[number];

export interface SearchQuery {
  q?: string;
  /** projects the caller may read; the adapter never returns documents outside them */
  projectIds: string[];
  filters: {
    mediaType?: string[];
    projectId?: string[];
    state?: string[];
    /** every listed tag must be present */
    tags?: string[];
    /** on createdAt */
    from?: Date;
    to?: Date;
  };
  facets: Facet[];
  limit: number;
  /** opaque, from a previous result's nextCursor */
  cursor?: string;
}

export interface SearchHit {
  assetId: string;
  score: number;
  document: SearchDocument;
}

export interface SearchResult {
  hits: SearchHit[];
  /** number of matches (exact) */
  total: number;
  facets: Partial<Record<Facet, { value: string; count: number }[]>>;
  nextCursor?: string;
}

export interface SearchIndex {
  readonly backend: string;
  upsert(document: SearchDocument): Promise<void>;
  remove(assetId: string): Promise<void>;
  search(query: SearchQuery): Promise<SearchResult>;
}

export class InvalidCursor extends Error {}
