// Writes that many concurrent callers need, made in batches: while one batch is being written, whatever arrives
// waits and goes in the next one. Under load each item costs a share of a round trip and a commit, not its own;
// alone, an item is written at once.

export class Batched<Item, Result> {
  private queued: { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }[] = [];
  private writing?: Promise<void>;

  /** `write` answers one result per item, in the items' order. */
  constructor(private readonly write: (items: Item[]) => Promise<Result[]>) {}

  /** The item's result once the batch it went in was written; that batch's error if it failed. */
  add(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queued.push({ item, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  /** Resolves once everything added so far was written (or failed). */
  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queued.length > 0) {
        const batch = this.queued;
        this.queued = [];
        try {
          const results = await this.write(batch.map((entry) => entry.item));
          batch.forEach((entry, index) => entry.resolve(results[index]!));
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}
