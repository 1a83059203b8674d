// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it
// (client-node has none): the holder renews every retry period; a holder that cannot renew
// within the renew deadline steps down on its own; a candidate takes a lease whose holder
// has not renewed it for a whole lease duration, or that was released.
//
// Expiry is counted from the lease's renewTime, or from when this process first saw that
// renewTime if that is earlier by our clock: a holder whose clock runs ahead can never make
// its lease look fresher than we saw it. With 15 s / 10 s the old holder has stepped down 5 s
// before anyone takes over, which covers clock skew up to 5 s between the nodes.
import type { Logger } from 'pino';
import { isStatus, type KubeRest } from './rest.ts';
import { LEASE_TYPE, collectionPath, objectPath } from './resources.ts';

export interface LeaderElectionOptions {
  rest: KubeRest;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  logger: Logger;
  onStartedLeading?: () => void;
  onStoppedLeading?: () => void;
}

export const LEASE_DEFAULTS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

interface LeaseJson {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

export class LeaderElector {
  readonly #o: LeaderElectionOptions;
  readonly #log: Logger;
  #leader = false;
  #lastRenew = 0;
  #observedKey = '';
  #observedAt = 0;
  /** When the current holder's lease runs out, by our clock; 0 when unknown. */
  #expiresAt = 0;
  #lease: LeaseJson | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;

  constructor(options: LeaderElectionOptions) {
    if (options.renewDeadlineMs >= options.leaseDurationMs) throw new Error('the renew deadline must be shorter than the lease duration');
    if (options.retryPeriodMs >= options.renewDeadlineMs) throw new Error('the retry period must be shorter than the renew deadline');
    this.#o = options;
    this.#log = options.logger.child({ lease: `${options.namespace}/${options.name}`, identity: options.identity });
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  get identity(): string {
    return this.#o.identity;
  }

  start(): void {
    if (this.#running) return;
    this.#log.info('leader election started');
    this.#running = this.#loop();
  }

  /** Stops campaigning; a leader gives the lease up so another replica takes over at once. */
  async stop(release = true): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#running;
    if (this.#leader && release) await this.#release();
    this.#setLeader(false);
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#tryAcquireOrRenew();
      } catch (err) {
        this.#log.warn({ err: (err as Error).message }, 'leader election: cannot read or update the lease');
      }
      const now = Date.now();
      if (this.#leader && now - this.#lastRenew > this.#o.renewDeadlineMs) {
        this.#log.warn({ sinceRenewMs: now - this.#lastRenew }, 'could not renew the lease within the renew deadline');
        this.#setLeader(false);
      }
      let delay = this.#o.retryPeriodMs;
      // A candidate tries again the moment the holder's lease runs out, not up to a retry period later.
      if (!this.#leader && this.#expiresAt > now) delay = Math.min(delay, this.#expiresAt - now + 5);
      await this.#sleep(delay);
    }
  }

  async #tryAcquireOrRenew(): Promise<void> {
    const now = Date.now();
    const path = objectPath(LEASE_TYPE, this.#o.namespace, this.#o.name);
    let lease: LeaseJson;
    try {
      lease = await this.#o.rest.json<LeaseJson>(path, { timeoutMs: this.#o.retryPeriodMs * 2 });
    } catch (err) {
      if (!isStatus(err, 404)) throw err;
      await this.#create(now);
      return;
    }
    this.#lease = lease;
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const key = `${holder}\u0000${spec.renewTime ?? ''}`;
    if (key !== this.#observedKey) {
      this.#observedKey = key;
      this.#observedAt = now;
    }
    if (holder && holder !== this.#o.identity) {
      const renewed = Date.parse(spec.renewTime ?? '');
      const base = Number.isFinite(renewed) ? Math.min(this.#observedAt, renewed) : this.#observedAt;
      const expiresAt = base + (spec.leaseDurationSeconds ?? this.#o.leaseDurationMs / 1000) * 1000;
      if (now < expiresAt) {
        this.#expiresAt = expiresAt;
        if (this.#leader) {
          this.#log.warn({ holder }, 'another replica holds the lease');
          this.#setLeader(false);
        }
        return;
      }
    }
    const mine = holder === this.#o.identity;
    const body: LeaseJson = {
      apiVersion: LEASE_TYPE.apiVersion,
      kind: LEASE_TYPE.kind,
      metadata: { name: this.#o.name, namespace: this.#o.namespace, resourceVersion: lease.metadata.resourceVersion },
      spec: {
        holderIdentity: this.#o.identity,
        leaseDurationSeconds: Math.ceil(this.#o.leaseDurationMs / 1000),
        acquireTime: mine && spec.acquireTime ? spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
      },
    };
    try {
      this.#lease = await this.#o.rest.json<LeaseJson>(path, { method: 'PUT', body, timeoutMs: this.#o.retryPeriodMs * 2 });
    } catch (err) {
      if (isStatus(err, 409)) return; // someone else wrote it first: look again next round
      throw err;
    }
    this.#renewed(now, mine ? undefined : holder);
  }

  async #create(now: number): Promise<void> {
    const body: LeaseJson = {
      apiVersion: LEASE_TYPE.apiVersion,
      kind: LEASE_TYPE.kind,
      metadata: { name: this.#o.name, namespace: this.#o.namespace },
      spec: {
        holderIdentity: this.#o.identity,
        leaseDurationSeconds: Math.ceil(this.#o.leaseDurationMs / 1000),
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseTransitions: 0,
      },
    };
    try {
      this.#lease = await this.#o.rest.json<LeaseJson>(collectionPath(LEASE_TYPE, this.#o.namespace), {
        method: 'POST',
        body,
        timeoutMs: this.#o.retryPeriodMs * 2,
      });
    } catch (err) {
      if (isStatus(err, 409)) return;
      throw err;
    }
    this.#renewed(now, '');
  }

  #renewed(at: number, previousHolder: string | undefined): void {
    this.#lastRenew = at;
    this.#expiresAt = 0;
    if (!this.#leader) {
      this.#log.info({ previousHolder: previousHolder || undefined }, 'became leader');
      this.#setLeader(true);
    }
  }

  async #release(): Promise<void> {
    const lease = this.#lease;
    if (!lease) return;
    const now = microTime(Date.now());
    const body: LeaseJson = {
      apiVersion: LEASE_TYPE.apiVersion,
      kind: LEASE_TYPE.kind,
      metadata: { name: this.#o.name, namespace: this.#o.namespace, resourceVersion: lease.metadata.resourceVersion },
      spec: { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: lease.spec?.leaseTransitions ?? 0 },
    };
    try {
      await this.#o.rest.json(objectPath(LEASE_TYPE, this.#o.namespace, this.#o.name), { method: 'PUT', body, timeoutMs: 2000 });
      this.#log.info('lease released');
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'could not release the lease; another replica takes over when it expires');
    }
  }

  #setLeader(leader: boolean): void {
    if (this.#leader === leader) return;
    this.#leader = leader;
    if (leader) this.#o.onStartedLeading?.();
    else {
      this.#log.info('stopped leading');
      this.#o.onStoppedLeading?.();
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(this.#timer);
        this.#wake = undefined;
        resolve();
      };
      this.#timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits, which the API server requires. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
