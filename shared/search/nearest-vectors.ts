// The term index's embeddings: a native HNSW graph (usearch) keyed by the catalogue's document slot, so that the
// embedded default finds the nearest of a million vectors in milliseconds, where PGlite's WebAssembly memory cannot
// hold pgvector's HNSW build. Vectors are stored as f16 (1 KiB per 512-d vector) and the graph only proposes
// candidates: the adapter computes their exact cosine distance in SQL, so scores and order are pgvector's own.
import { Index, MetricKind, ScalarKind } from 'usearch';

/** Candidates asked of the graph per result wanted at first; widened while too few pass the filters. */
const OVERSAMPLE = 2;
/** The widest candidate list tried before the caller is told to ask SQL (the filters pass too few documents). */
const MAX_CANDIDATES = 4096;
/** Graph neighbours per node and the breadth of the insert and search walks (recall against speed: docs/benchmarks.md). */
const CONNECTIVITY = 16;
const EXPANSION_ADD = 64;
const EXPANSION_SEARCH = 128;

export class NearestVectors {
  private readonly index: Index;

  constructor(readonly dimensions: number) {
    this.index = new Index({
      dimensions,
      metric: MetricKind.Cos,
      quantization: ScalarKind.F16,
      connectivity: CONNECTIVITY,
      expansion_add: EXPANSION_ADD,
      expansion_search: EXPANSION_SEARCH,
      multi: false,
    });
  }

  get size(): number {
    return this.index.size();
  }

  /** Adds the vectors of these slots (`vectors`: one after another), on every core the machine has. */
  add(slots: number[], vectors: Float32Array): void {
    if (slots.length === 0) return;
    this.index.add(BigUint64Array.from(slots, BigInt), vectors, 0);
  }

  remove(slot: number): void {
    this.index.remove(BigInt(slot));
  }

  /**
   * The slots nearest to `vector` that `accept` takes, as candidates for the `wanted` nearest: up to OVERSAMPLE
   * times as many (their order is the graph's, not exact), widening the search while the filter leaves too few.
   * Undefined when even the widest search finds fewer than `wanted` (the filters pass too few of the graph's
   * documents, or the graph holds fewer): SQL answers exactly from the rows they leave.
   */
  nearest(vector: Float32Array, wanted: number, accept: (slot: number) => boolean): number[] | undefined {
    const size = this.index.size();
    const target = wanted * OVERSAMPLE;
    for (let asked = Math.min(size, target); ; asked = Math.min(size, asked * 4)) {
      if (asked === 0) return undefined;
      const { keys } = this.index.search(vector, asked, 1);
      const accepted: number[] = [];
      for (const key of keys) {
        const slot = Number(key);
        if (accept(slot)) accepted.push(slot);
        if (accepted.length === target) return accepted;
      }
      // even a search for every node may miss one the graph cannot reach: too few found is never taken as all
      if (asked === size || asked >= MAX_CANDIDATES) return accepted.length >= wanted ? accepted : undefined;
    }
  }
}
