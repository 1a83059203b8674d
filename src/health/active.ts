// Active health checks: probe every server of a target every interval (with jitter, so a
// fleet of proxies does not probe in lockstep), move it between healthy and unhealthy after
// the configured number of consecutive results.
import type { Clock } from './clock.ts';
import type { Probe, ProbeResult, ProbeTarget } from './probe.ts';
import type { ServerState } from './server-state.ts';

/** Intervals vary by up to this fraction either way. */
const JITTER = 0.1;

export interface CheckEvents {
  onResult(state: ServerState, result: ProbeResult): void;
  onTransition(state: ServerState, healthy: boolean): void;
}

/** Applies one probe result to a server's state; returns true when healthiness flipped. */
export function applyResult(state: ServerState, result: ProbeResult, now: number): boolean {
  const check = state.check;
  if (!check) return false;
  state.lastCheck = { at: now, ...result };
  if (result.ok) {
    state.consecutiveOk++;
    state.consecutiveBad = 0;
    if (!state.activeHealthy && state.consecutiveOk >= check.healthyThreshold) {
      state.activeHealthy = true;
      state.since = now;
      return true;
    }
  } else {
    state.consecutiveBad++;
    state.consecutiveOk = 0;
    // Before its first pass a server is already unhealthy: no transition to report.
    if (state.activeHealthy && state.consecutiveBad >= check.unhealthyThreshold) {
      state.activeHealthy = false;
      state.since = now;
      return true;
    }
  }
  return false;
}

export class ActiveChecker {
  private readonly timers = new Map<ServerState, unknown>();
  private readonly clock: Clock;
  private readonly probe: Probe;
  private readonly events: CheckEvents;
  private readonly random: () => number;

  constructor(clock: Clock, probe: Probe, events: CheckEvents, random: () => number = Math.random) {
    this.clock = clock;
    this.probe = probe;
    this.events = events;
    this.random = random;
  }

  /** Starts probing a server (first probe soon, within 10% of an interval) unless already. */
  watch(state: ServerState, target: ProbeTarget): void {
    if (!state.check || this.timers.has(state)) return;
    this.schedule(state, target, state.check.intervalMs * JITTER * this.random());
  }

  unwatch(state: ServerState): void {
    const timer = this.timers.get(state);
    if (timer !== undefined) this.clock.clearTimeout(timer);
    this.timers.delete(state);
  }

  watching(): number {
    return this.timers.size;
  }

  stop(): void {
    for (const state of [...this.timers.keys()]) this.unwatch(state);
  }

  private schedule(state: ServerState, target: ProbeTarget, delayMs: number): void {
    const timer = this.clock.setTimeout(() => void this.run(state, target), delayMs);
    this.timers.set(state, timer);
  }

  private async run(state: ServerState, target: ProbeTarget): Promise<void> {
    const check = state.check;
    if (!check || !this.timers.has(state)) return;
    const result = await this.probe(target, check).catch((err: Error): ProbeResult => ({ ok: false, error: err.message }));
    if (!this.timers.has(state)) return; // removed while the probe was out
    this.events.onResult(state, result);
    if (applyResult(state, result, this.clock.now())) this.events.onTransition(state, state.activeHealthy);
    const interval = state.check?.intervalMs ?? check.intervalMs;
    this.schedule(state, target, interval * (1 - JITTER + 2 * JITTER * this.random()));
  }
}
