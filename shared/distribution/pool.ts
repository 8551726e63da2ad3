// A small pool of connections (SFTP sessions, FTP control connections) to one channel's server, so deliveries reuse
// a logged-in connection instead of paying a handshake and a login each. Bounded (`max`: the channel's concurrency),
// closed when idle (`idleMs` after its last use), and a connection that failed, was aborted or is no longer alive is
// closed and never handed out again. A delivery on a reused connection that fails is tried once more on a fresh
// one (the server may have dropped an idle connection); a fresh connection's failure is the delivery's.
// No library in node_modules does this with abort signals and discard-on-failure, and it is this much code.

export interface PoolOptions<S> {
  open: () => Promise<S>;
  close: (session: S) => Promise<void>;
  /** false for a session the server has closed since it was last used */
  alive?: (session: S) => boolean;
  max: number;
  idleMs: number;
}

interface Idle<S> {
  session: S;
  timer: NodeJS.Timeout;
}

export class SessionPool<S> {
  private readonly idle: Idle<S>[] = [];
  private readonly waiting: (() => void)[] = [];
  private open = 0;
  private closed = false;
  /** sessions opened over the pool's life (tests and the benchmark read it) */
  opened = 0;

  constructor(private readonly options: PoolOptions<S>) {}

  /** Runs `work` on a pooled session; see the file comment for what happens when it fails. */
  async use<T>(work: (session: S) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const first = await this.acquire(signal);
    try {
      const result = await work(first.session);
      this.release(first.session, signal?.aborted !== true);
      return result;
    } catch (error) {
      this.release(first.session, false);
      if (!first.reused || signal?.aborted || this.closed) throw error;
    }
    const fresh = await this.acquire(signal, true);
    try {
      const result = await work(fresh.session);
      this.release(fresh.session, signal?.aborted !== true);
      return result;
    } catch (error) {
      this.release(fresh.session, false);
      throw error;
    }
  }

  /** Closes the idle sessions now and every other one when its work ends. */
  async close(): Promise<void> {
    this.closed = true;
    const idle = this.idle.splice(0);
    for (const wake of this.waiting.splice(0)) wake();
    await Promise.all(idle.map(({ session, timer }) => { clearTimeout(timer); return this.discard(session); }));
  }

  get size(): { open: number; idle: number } {
    return { open: this.open, idle: this.idle.length };
  }

  private async acquire(signal?: AbortSignal, fresh = false): Promise<{ session: S; reused: boolean }> {
    for (;;) {
      signal?.throwIfAborted();
      if (this.closed) throw new Error('the channel was closed');
      while (!fresh && this.idle.length) {
        const { session, timer } = this.idle.pop()!;
        clearTimeout(timer);
        if (this.options.alive?.(session) ?? true) return { session, reused: true };
        void this.discard(session);
      }
      if (fresh && this.open >= this.options.max && this.idle.length) {
        const { session, timer } = this.idle.shift()!;
        clearTimeout(timer);
        void this.discard(session);
      }
      if (this.open < this.options.max) {
        this.open++;
        this.opened++;
        try {
          return { session: await this.options.open(), reused: false };
        } catch (error) {
          this.open--;
          this.wakeOne();
          throw error;
        }
      }
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => { this.waiting.splice(this.waiting.indexOf(wake), 1); reject(signal!.reason); };
        const wake = () => { signal?.removeEventListener('abort', onAbort); resolve(); };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(wake);
      });
    }
  }

  private release(session: S, healthy: boolean): void {
    if (!healthy || this.closed || !(this.options.alive?.(session) ?? true)) {
      void this.discard(session);
      return;
    }
    const timer = setTimeout(() => {
      const index = this.idle.findIndex((entry) => entry.session === session);
      if (index >= 0) void this.discard(this.idle.splice(index, 1)[0]!.session);
    }, this.options.idleMs);
    timer.unref();
    this.idle.push({ session, timer });
    this.wakeOne();
  }

  private async discard(session: S): Promise<void> {
    this.open--;
    this.wakeOne();
    await this.options.close(session).catch(() => {});
  }

  private wakeOne(): void {
    this.waiting.shift()?.();
  }
}
