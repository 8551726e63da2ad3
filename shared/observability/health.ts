// What `/_/ready` and `/_/health` report: each dependency (database, NATS, storage) checked now, and each
// long-running loop (outbox relay, consumers, sweep) with its last successful pass. A loop that has not
// passed for LOOP_STALL_SECONDS is stalled: liveness fails, so Knative / OpenFaaS / Kubernetes restart a
// process that cannot recover by itself (a hung driver, a lost connection nobody noticed).

export interface LoopHeartbeat {
  /** a pass of the loop succeeded (or, for a loop waiting on bounded work, it is still busy) */
  passed(): void;
  /** a pass failed; the loop goes on, and the error is reported until the next success */
  failed(error: unknown): void;
  /** the loop ended on purpose (shutdown): it is no longer watched */
  stopped(): void;
}

export interface DependencyReport {
  ok: boolean;
  ms: number;
  error?: string;
}

export interface LoopReport {
  /** ISO time of the last successful pass (absent: none yet, counted from when the loop started) */
  lastPassAt?: string;
  secondsSinceLastPass: number;
  stalled: boolean;
  lastError?: string;
}

export interface HealthReport {
  /** no loop stalled: the process is alive (liveness) */
  live: boolean;
  /** alive and every dependency answers (readiness) */
  ready: boolean;
  dependencies: Record<string, DependencyReport>;
  loops: Record<string, LoopReport>;
}

interface LoopState {
  startedAt: number;
  stallSeconds: number;
  lastPassAt?: number;
  lastError?: string;
}

const DEPENDENCY_TIMEOUT_MS = 3_000;

export class Health {
  private readonly loops = new Map<string, LoopState>();
  private readonly dependencies = new Map<string, () => Promise<unknown>>();
  private lastChecked: Record<string, DependencyReport> = {};

  constructor(
    private readonly stallSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Starts watching a loop (its stall clock starts now); a second loop of the same name shares the record.
   * `stallSeconds`: for a loop that passes less often than LOOP_STALL_SECONDS allows (a slow schedule).
   */
  loop(name: string, options: { stallSeconds?: number } = {}): LoopHeartbeat {
    const state: LoopState = this.loops.get(name) ?? { startedAt: this.now(), stallSeconds: Math.max(this.stallSeconds, options.stallSeconds ?? 0) };
    this.loops.set(name, state);
    return {
      passed: () => {
        state.lastPassAt = this.now();
        state.lastError = undefined;
      },
      failed: (error) => {
        state.lastError = error instanceof Error ? error.message : String(error);
      },
      stopped: () => {
        this.loops.delete(name);
      },
    };
  }

  /** A dependency is checked on every probe; a check that throws or takes over 3 s marks it broken. */
  dependency(name: string, check: () => Promise<unknown>): void {
    this.dependencies.set(name, check);
  }

  /**
   * `checkDependencies: false` (liveness) reports the dependencies as the last readiness probe found them: a
   * liveness probe must answer at once, and a broken dependency is no reason to restart this process.
   */
  async report({ checkDependencies = true } = {}): Promise<HealthReport> {
    if (checkDependencies) {
      const entries = await Promise.all([...this.dependencies].map(async ([name, check]) => [name, await this.check(check)] as const));
      this.lastChecked = Object.fromEntries(entries);
    }
    const dependencies = this.lastChecked;
    const now = this.now();
    const loops: Record<string, LoopReport> = {};
    for (const [name, state] of this.loops) {
      const seconds = (now - (state.lastPassAt ?? state.startedAt)) / 1000;
      loops[name] = {
        lastPassAt: state.lastPassAt === undefined ? undefined : new Date(state.lastPassAt).toISOString(),
        secondsSinceLastPass: Math.round(seconds),
        stalled: seconds > state.stallSeconds,
        lastError: state.lastError,
      };
    }
    const live = Object.values(loops).every((loop) => !loop.stalled);
    return { live, ready: live && Object.values(dependencies).every((dependency) => dependency.ok), dependencies, loops };
  }

  private async check(check: () => Promise<unknown>): Promise<DependencyReport> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        check(),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${DEPENDENCY_TIMEOUT_MS} ms`)), DEPENDENCY_TIMEOUT_MS); }),
      ]);
      return { ok: true, ms: Math.round(performance.now() - started) };
    } catch (error) {
      return { ok: false, ms: Math.round(performance.now() - started), error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}
