// Fault scheduling shared by both emulators. Each emulator decides what a fault kind *does*
// (status, body, reset…); this module only decides *when* one fires: queued faults first (exact,
// for deterministic tests), then a seeded probability (for chaos tests).

/** What a fault rule may look at besides the route: the request's path and raw query string. */
export interface FaultRequest {
  path: string;
  query: string;
}

export interface FaultRule<K extends string> {
  kind: K;
  /**
   * Only requests whose route name matches (exact string or predicate; the predicate also gets the
   * request, e.g. to fault one connection only). Default: every route.
   */
  route?: string | ((route: string, request?: FaultRequest) => boolean);
}

export interface ChaosSettings<K extends string> {
  /** Probability in [0, 1] that a request gets a fault. */
  probability: number;
  /** Kinds to pick from uniformly. */
  kinds: readonly K[];
  /** Only these routes are eligible (default: all). */
  routes?: readonly string[];
  seed?: number;
}

/** Deterministic PRNG (mulberry32): same seed, same fault sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function matches(route: string, rule: FaultRule<string>["route"], request?: FaultRequest): boolean {
  if (rule === undefined) return true;
  return typeof rule === "string" ? rule === route : rule(route, request);
}

export class FaultInjector<K extends string> {
  private queued: Array<FaultRule<K> & { remaining: number }> = [];
  private chaos: ChaosSettings<K> | undefined;
  private random: () => number = mulberry32(1);
  /** How many faults of each kind were served, for tests and benchmarks. */
  readonly served = new Map<K, number>();

  /** Serve `kind` to the next `count` requests matching `route`. */
  queue(kind: K, count = 1, route?: FaultRule<K>["route"]): void {
    this.queued.push({ kind, route, remaining: count });
  }

  setChaos(settings: ChaosSettings<K> | undefined): void {
    this.chaos = settings;
    this.random = mulberry32(settings?.seed ?? 1);
  }

  clear(): void {
    this.queued = [];
    this.chaos = undefined;
  }

  /** Decides the fault (if any) for one request to `route` (`request` for rules that look at it). */
  next(route: string, request?: FaultRequest): K | undefined {
    const rule = this.queued.find((q) => q.remaining > 0 && matches(route, q.route, request));
    if (rule) {
      rule.remaining -= 1;
      if (rule.remaining === 0) this.queued = this.queued.filter((q) => q !== rule);
      return this.count(rule.kind);
    }
    const chaos = this.chaos;
    if (!chaos || chaos.kinds.length === 0) return undefined;
    if (chaos.routes && !chaos.routes.includes(route)) return undefined;
    if (this.random() >= chaos.probability) return undefined;
    const kind = chaos.kinds[Math.floor(this.random() * chaos.kinds.length)] as K;
    return this.count(kind);
  }

  private count(kind: K): K {
    this.served.set(kind, (this.served.get(kind) ?? 0) + 1);
    return kind;
  }
}
