// Health state for every server of every target, beside the immutable routing table. A new
// table is synced in: servers whose identity is unchanged keep their state, new ones start
// (unhealthy until their first passing check, when checks are configured), removed ones stop
// being probed.
import type { Logger } from 'pino';
import type { TargetConfig } from '../routing/model.ts';
import { ActiveChecker } from './active.ts';
import type { Clock } from './clock.ts';
import { recordFailure, recordSuccess } from './outlier.ts';
import type { Probe } from './probe.ts';
import { ServerState, type FailureKind, type Override } from './server-state.ts';

export interface HealthEvents {
  onCheck?(state: ServerState, ok: boolean): void;
  onEjection?(state: ServerState, reason: FailureKind): void;
}

export class HealthRegistry {
  private states = new Map<string, ServerState>();
  /** Drain/disable set through the admin API, by state key: kept apart so a config's adminState can win without erasing it. */
  private readonly apiOverrides = new Map<string, Override>();
  /** The configuration's adminState (annotations, terminating endpoints), by state key. */
  private readonly adminStates = new Map<string, Override>();
  private byTarget = new Map<string, ServerState[]>();
  private readonly clock: Clock;
  private readonly checker: ActiveChecker;
  private readonly log: Logger;
  private readonly events: HealthEvents;

  constructor(clock: Clock, probe: Probe, log: Logger, events: HealthEvents = {}, random?: () => number) {
    this.clock = clock;
    this.log = log;
    this.events = events;
    this.checker = new ActiveChecker(
      clock,
      probe,
      {
        onResult: (state, result) => this.events.onCheck?.(state, result.ok),
        onTransition: (state, healthy) =>
          this.log[healthy ? 'info' : 'warn'](
            { target: state.targetId, server: state.route, check: state.lastCheck },
            healthy ? 'server healthy' : 'server unhealthy',
          ),
      },
      random,
    );
  }

  /** Makes the states match a new configuration; returns nothing, the table asks via stateFor. */
  sync(targets: readonly TargetConfig[]): void {
    const now = this.clock.now();
    const next = new Map<string, ServerState>();
    const byTarget = new Map<string, ServerState[]>();
    for (const target of targets) {
      const group: ServerState[] = [];
      for (const server of target.servers) {
        const key = stateKey(target.id, server.id);
        let state = this.states.get(key);
        let fresh = false;
        if (!state || state.route !== server.route) {
          if (state) this.checker.unwatch(state);
          state = new ServerState(key, target.id, server.route, target.healthCheck, target.outlierDetection, now);
          fresh = true;
          this.apiOverrides.delete(key); // a new server (or route) starts without the old one's override
        } else {
          const hadCheck = state.check;
          state.configure(target.healthCheck, target.outlierDetection);
          // A changed check (path, interval) starts a fresh probe cycle with the new settings;
          // an unchanged one keeps its rhythm however often the configuration is rebuilt.
          if (!sameCheck(hadCheck, target.healthCheck)) this.checker.unwatch(state);
        }
        // Only a change of the configured adminState touches the override, so a reload keeps
        // whatever the admin API (or anything else) set meanwhile.
        if (fresh || server.adminState !== this.adminStates.get(key)) {
          if (server.adminState) this.adminStates.set(key, server.adminState);
          else this.adminStates.delete(key);
          this.applyOverride(state, now);
        }
        next.set(key, state);
        group.push(state);
        if (target.healthCheck) this.checker.watch(state, { host: server.host, port: server.port, protocol: target.protocol });
        else this.checker.unwatch(state);
      }
      byTarget.set(target.id, group);
    }
    for (const [key, state] of this.states) if (!next.has(key)) this.checker.unwatch(state);
    for (const key of [...this.apiOverrides.keys(), ...this.adminStates.keys()]) {
      if (next.has(key)) continue;
      this.apiOverrides.delete(key);
      this.adminStates.delete(key);
    }
    this.states = next;
    this.byTarget = byTarget;
  }

  stateFor(targetId: string, serverId: string): ServerState {
    const state = this.states.get(stateKey(targetId, serverId));
    if (!state) throw new Error(`no health state for ${targetId} ${serverId}: sync the configuration first`);
    return state;
  }

  targetStates(targetId: string): readonly ServerState[] {
    return this.byTarget.get(targetId) ?? [];
  }

  all(): IterableIterator<ServerState> {
    return this.states.values();
  }

  now(): number {
    return this.clock.now();
  }

  succeeded(state: ServerState): void {
    recordSuccess(state);
  }

  failed(state: ServerState, kind: FailureKind): void {
    const ejection = recordFailure(state, this.targetStates(state.targetId), kind, this.clock.now());
    if (!ejection) return;
    this.log.warn({ target: state.targetId, server: state.route, reason: kind, ejectedForMs: ejection.durationMs }, 'server ejected');
    this.events.onEjection?.(state, kind);
  }

  /** Runtime override from the admin API: drain, disable, or clear (enable). */
  setOverride(targetId: string, route: string, override: Override | undefined): ServerState | undefined {
    const state = this.targetStates(targetId).find((s) => s.route === route);
    if (!state) return undefined;
    if (override) this.apiOverrides.set(state.key, override);
    else this.apiOverrides.delete(state.key);
    this.applyOverride(state, this.clock.now());
    return state;
  }

  /** The configuration's adminState wins (durable, every replica); else the admin API's. */
  private applyOverride(state: ServerState, now: number): void {
    const wanted = this.adminStates.get(state.key) ?? this.apiOverrides.get(state.key);
    if (state.override === wanted) return;
    state.override = wanted;
    state.since = now;
  }

  probing(): number {
    return this.checker.watching();
  }

  stop(): void {
    this.checker.stop();
  }
}

function sameCheck(a: TargetConfig['healthCheck'], b: TargetConfig['healthCheck']): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function stateKey(targetId: string, serverId: string): string {
  return `${targetId}\u0000${serverId}`;
}
