// Passive health: real traffic's consecutive connect failures and gateway errors eject a
// server for a while, longer on each repeat, but never more than maxEjectionPercent of a
// target's servers at once unless every one of them is failing.
import type { FailureKind, ServerState } from './server-state.ts';

/** Ejections last at most this many times the configured ejection time. */
const MAX_MULTIPLIER = 10;

export interface EjectionEvent {
  state: ServerState;
  reason: FailureKind;
  durationMs: number;
}

export function recordSuccess(state: ServerState): void {
  state.consecutiveFailures = 0;
}

/** Records a failure; returns the ejection it caused, if any. */
export function recordFailure(state: ServerState, peers: readonly ServerState[], reason: FailureKind, now: number): EjectionEvent | undefined {
  state.errors++;
  state.consecutiveFailures++;
  const { consecutiveFailures, ejectionTimeMs, maxEjectionPercent } = state.outlier;
  if (state.consecutiveFailures < consecutiveFailures || state.isEjected(now)) return undefined;

  const failing = (s: ServerState): boolean => s.isEjected(now) || s.consecutiveFailures >= consecutiveFailures;
  const ejectedNow = peers.filter((s) => s !== state && s.isEjected(now)).length;
  const withinLimit = ((ejectedNow + 1) / peers.length) * 100 <= maxEjectionPercent;
  if (!withinLimit && !peers.every(failing)) return undefined;

  // The multiplier decays by one for every ejection time the server has spent back in service.
  if (state.ejections > 0 && state.ejectedUntil > 0) {
    const quiet = Math.floor((now - state.ejectedUntil) / ejectionTimeMs);
    state.ejections = Math.max(0, state.ejections - Math.max(0, quiet));
  }
  state.ejections = Math.min(state.ejections + 1, MAX_MULTIPLIER);
  const durationMs = ejectionTimeMs * state.ejections;
  state.ejectedAt = now;
  state.ejectedUntil = now + durationMs;
  state.consecutiveFailures = 0;
  state.since = now;
  // With active checks the server must also pass them again before it returns.
  if (state.check) {
    state.activeHealthy = false;
    state.consecutiveOk = 0;
  }
  return { state, reason, durationMs };
}
