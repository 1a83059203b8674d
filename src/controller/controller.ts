// `passthru controller`: the source cache feeds one rebuild loop, which translates and hands
// the result to the data plane; the leader (or, without --leader-elect, every replica)
// writes each target's status and records Events for rejected ones. Every replica serves
// traffic from its own cache, so losing leadership or the API server never stops traffic.
import type { Logger } from 'pino';
import type { TargetsStatus } from '../admin/status.ts';
import { systemClock, type Clock } from '../health/clock.ts';
import type { BackoffOptions } from '../kube/backoff.ts';
import { EventRecorder } from '../kube/events.ts';
import { LeaderElector } from '../kube/leader.ts';
import type { KubeRest } from '../kube/rest.ts';
import { RPT_TYPE, type KubeObject } from '../kube/resources.ts';
import { StatusWriter } from '../kube/status-writer.ts';
import type { AddressPolicy } from './addresses.ts';
import { SourceCache } from './cache.ts';
import { buildTranslateInput, ValidationMemo } from './input.ts';
import { RebuildLoop } from './rebuild.ts';
import { kubeTime, renderStatus, statusFacts } from './status.ts';
import { translate, type TranslateResult } from './translate.ts';

/** What the controller needs of the data plane. */
export interface PlanePort {
  apply(result: TranslateResult): void;
  status(): TargetsStatus;
}

export interface LeaderElectionConfig {
  namespace: string;
  name: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export interface ControllerOptions {
  rest: KubeRest;
  plane: PlanePort;
  logger: Logger;
  /** Watch only this namespace; undefined: all. */
  namespace?: string;
  addressPolicy: AddressPolicy;
  /** This replica's name in the Lease and in Events. */
  identity: string;
  /** undefined: no election, this replica writes status. */
  leaderElection?: LeaderElectionConfig;
  watchTimeoutMs?: number;
  backoff?: BackoffOptions;
  holdOffMs?: number;
  maxWaitMs?: number;
  /** How often server states are compared with what the status says. Default 2 s. */
  statusIntervalMs?: number;
  clock?: Clock;
}

export class Controller {
  readonly #o: ControllerOptions;
  readonly #log: Logger;
  readonly cache: SourceCache;
  readonly #loop: RebuildLoop;
  readonly #memo = new ValidationMemo();
  readonly #writer: StatusWriter;
  readonly #events: EventRecorder;
  readonly #elector: LeaderElector | undefined;
  #leader: boolean;
  #lastApplied = '';
  #last: TranslateResult | undefined;
  #objects = new Map<string, object>();
  /** The facts last handed to the writer per target, so unchanged ones are not queued again. */
  #published = new Map<string, string>();
  #statusTimer: NodeJS.Timeout | undefined;

  constructor(options: ControllerOptions) {
    this.#o = options;
    this.#log = options.logger.child({ part: 'controller' });
    const clock = options.clock ?? systemClock;
    this.cache = new SourceCache({
      rest: options.rest,
      logger: options.logger,
      namespace: options.namespace,
      watchTimeoutMs: options.watchTimeoutMs,
      backoff: options.backoff,
      onChange: () => this.#loop.trigger(),
      onTargetDeleted: (obj) => this.#forget(obj),
    });
    this.#loop = new RebuildLoop({ clock, holdOffMs: options.holdOffMs, maxWaitMs: options.maxWaitMs, rebuild: () => this.#rebuild() });
    this.#writer = new StatusWriter({
      rest: options.rest,
      type: RPT_TYPE,
      logger: options.logger,
      lookup: (ns, name) => this.cache.target(ns, name),
      logFields: { writer: options.identity },
    });
    this.#events = new EventRecorder({ rest: options.rest, logger: options.logger, component: 'passthru', instance: options.identity });
    this.#leader = !options.leaderElection;
    if (options.leaderElection) {
      this.#elector = new LeaderElector({
        rest: options.rest,
        identity: options.identity,
        logger: options.logger.child({ part: 'leader' }),
        ...options.leaderElection,
        onStartedLeading: () => this.#setLeader(true),
        onStoppedLeading: () => this.#setLeader(false),
      });
    }
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  /** Starts watching; resolves once every cache has synced and the first table is applied. */
  async start(): Promise<void> {
    this.cache.start();
    this.#elector?.start();
    this.#writer.setActive(this.#leader);
    await this.cache.synced();
    this.#log.info('caches synced');
    this.#loop.enable();
    this.#loop.flush();
    this.#statusTimer = setInterval(() => this.#publish(), this.#o.statusIntervalMs ?? 2000);
    this.#statusTimer.unref();
  }

  /** SIGTERM: stop watching and writing, and hand the lease over if we hold it. */
  async stop(): Promise<void> {
    clearInterval(this.#statusTimer);
    this.#loop.stop();
    await Promise.all([this.cache.stop(), this.#writer.stop(), this.#elector?.stop(true)]);
  }

  /** For tests: resolves when queued status writes are done. */
  async statusIdle(): Promise<void> {
    await this.#writer.idle();
    await this.#events.flushed();
  }

  #rebuild(): void {
    let result: TranslateResult;
    try {
      const built = buildTranslateInput(this.cache, this.#o.addressPolicy, this.#memo);
      result = translate(built.input);
      this.cache.setReferences(built.references);
      this.#objects = built.objects;
    } catch (err) {
      // A bug, not a bad resource (those are rejected one by one): keep serving the last table.
      this.#log.error({ err, code: 'PASSTHRU_TRANSLATE' }, 'rebuild failed; keeping the last configuration');
      return;
    }
    const key = JSON.stringify(result);
    if (key !== this.#lastApplied) {
      this.#o.plane.apply(result);
      this.#lastApplied = key;
      this.#last = result;
    } else {
      this.#log.debug('rebuild gave the same configuration; nothing to apply');
    }
    this.#publish();
  }

  /** Queues a status write for every target whose facts changed (and Events for rejections). */
  #publish(): void {
    const result = this.#last;
    if (!result || !this.#leader) return;
    const views = new Map(this.#o.plane.status().targets.map((t) => [t.id, t]));
    for (const status of result.statuses) {
      const raw = this.#objects.get(status.id) as KubeObject | undefined;
      if (!raw) continue;
      const facts = statusFacts(status, views.get(status.id), raw.metadata.generation);
      const factsKey = JSON.stringify(facts);
      if (this.#published.get(status.id) === factsKey) continue;
      this.#published.set(status.id, factsKey);
      const { namespace = 'default', name } = raw.metadata;
      this.#writer.enqueue(namespace, name, (current) => renderStatus(current, facts, kubeTime(Date.now())));
      if (status.accepted) this.#events.clear(raw);
      else this.#events.warning(raw, status.reason, status.message);
    }
  }

  #setLeader(leader: boolean): void {
    this.#leader = leader;
    this.#writer.setActive(leader);
    // A new leader compares every target's status afresh (equal ones are skipped by the writer).
    this.#published.clear();
    if (leader) this.#publish();
  }

  #forget(obj: KubeObject): void {
    const { namespace = 'default', name } = obj.metadata;
    this.#published.delete(`${namespace}/${name}`);
    this.#writer.forget(namespace, name);
    this.#events.clear(obj);
  }
}
