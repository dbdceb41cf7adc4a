// Latest-wins scheduling for live previews (spec/style.md §3): at most one render in flight; requests that
// arrive meanwhile replace each other, so when the render ends only the newest one runs. Stale requests are
// dropped, never queued. A slow render therefore throttles the slider by itself.

export interface PreviewSchedulerOptions<Request, Result> {
  run: (request: Request) => Promise<Result>;
  /** Every finished render, in order. `superseded` is true when a newer request is already waiting. */
  onResult: (result: Result, request: Request, info: { superseded: boolean }) => void;
  onError: (error: unknown, request: Request) => void;
}

export interface PreviewScheduler<Request> {
  /** Asks for a render of `request`; replaces any request still waiting. */
  request(request: Request): void;
  /** Drops the waiting request and ignores the result of the one in flight (e.g. another face was chosen). */
  clear(): void;
  /** Resolves once nothing is in flight or waiting. */
  idle(): Promise<void>;
  readonly busy: boolean;
  /** Requests replaced before they ran, since the scheduler was made. */
  readonly dropped: number;
}

export function createPreviewScheduler<Request, Result>({ run, onResult, onError }: PreviewSchedulerOptions<Request, Result>): PreviewScheduler<Request> {
  let inFlight = false;
  let waiting: { request: Request } | null = null;
  let generation = 0; // bumped by clear(): results of older generations are ignored
  let dropped = 0;
  let idleWaiters: (() => void)[] = [];

  const settle = () => {
    if (inFlight || waiting !== null) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const start = (request: Request) => {
    inFlight = true;
    const mine = generation;
    let outcome: { ok: true; result: Result } | { ok: false; error: unknown };
    run(request)
      .then(
        (result) => (outcome = { ok: true, result }),
        (error: unknown) => (outcome = { ok: false, error }),
      )
      .then(() => {
        inFlight = false;
        if (mine === generation) {
          if (outcome.ok) onResult(outcome.result, request, { superseded: waiting !== null });
          else onError(outcome.error, request);
        }
        const next = waiting;
        waiting = null;
        if (next !== null) start(next.request);
        else settle();
      });
  };

  return {
    request(request) {
      if (inFlight) {
        if (waiting !== null) dropped += 1;
        waiting = { request };
      } else {
        start(request);
      }
    },
    clear() {
      if (waiting !== null) dropped += 1;
      waiting = null;
      generation += 1;
      settle();
    },
    idle() {
      return inFlight || waiting !== null ? new Promise<void>((resolve) => idleWaiters.push(resolve)) : Promise.resolve();
    },
    get busy() {
      return inFlight || waiting !== null;
    },
    get dropped() {
      return dropped;
    },
  };
}
