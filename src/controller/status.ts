// What the status of a ReverseProxyTarget should say (pure): conditions Accepted and Ready,
// the servers with their live state, and the healthy/total summary `kubectl get` shows.
// A condition's lastTransitionTime moves only when its status flips; its observedGeneration
// always names the generation it was computed from, so a lagging one reads as out of date.
import type { TargetStatusView } from '../admin/status.ts';
import type { TargetStatus } from './translate.ts';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface ServerStatusJson {
  host: string;
  port: number;
  route: string;
  state: string;
  since: string;
}

export interface TargetStatusJson {
  observedGeneration?: number;
  conditions: Condition[];
  servers: ServerStatusJson[];
  healthyServers: number;
  serverSummary: string;
}

interface Verdict {
  status: boolean;
  reason: string;
  message: string;
}

/** Everything the status says that does not depend on what it said before. */
export interface StatusFacts {
  generation?: number;
  accepted: Verdict;
  ready: Verdict;
  servers: ServerStatusJson[];
}

const MAX_MESSAGE = 32_768;

export function statusFacts(status: TargetStatus, view: TargetStatusView | undefined, generation: number | undefined): StatusFacts {
  const servers = status.accepted
    ? (view?.servers ?? []).map((s) => ({ host: s.host, port: s.port, route: s.route, state: s.state, since: s.since }))
    : [];
  const healthy = servers.filter((s) => s.state === 'healthy').length;
  let ready: Verdict;
  if (!status.accepted) ready = { status: false, reason: 'NotAccepted', message: `the target is not accepted (${status.reason})` };
  else if (servers.length === 0) ready = { status: false, reason: 'NoServers', message: 'the target has no servers' };
  else if (healthy === 0) ready = { status: false, reason: 'NoHealthyServers', message: `0 of ${servers.length} servers healthy` };
  else ready = { status: true, reason: 'Healthy', message: `${healthy} of ${servers.length} servers healthy` };
  return {
    generation,
    accepted: { status: status.accepted, reason: status.reason, message: status.message },
    ready,
    servers,
  };
}

/** The status to write, given the one the object has now (anything, as read from the API). */
export function renderStatus(current: unknown, facts: StatusFacts, now: string): TargetStatusJson {
  const before = previousConditions(current);
  const condition = (type: string, v: Verdict): Condition => {
    const status = v.status ? 'True' : 'False';
    const prev = before.find((c) => c.type === type);
    const c: Condition = {
      type,
      status,
      reason: v.reason,
      message: v.message.length > MAX_MESSAGE ? `${v.message.slice(0, MAX_MESSAGE - 1)}…` : v.message,
      lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now,
    };
    if (facts.generation !== undefined) c.observedGeneration = facts.generation;
    return c;
  };
  const ours = [condition('Accepted', facts.accepted), condition('Ready', facts.ready)];
  // Conditions someone else added are kept as they are.
  const others = before.filter((c) => c.type !== 'Accepted' && c.type !== 'Ready');
  const healthy = facts.servers.filter((s) => s.state === 'healthy').length;
  const out: TargetStatusJson = {
    conditions: [...ours, ...others],
    servers: facts.servers,
    healthyServers: healthy,
    serverSummary: `${healthy}/${facts.servers.length}`,
  };
  if (facts.generation !== undefined) out.observedGeneration = facts.generation;
  return out;
}

function previousConditions(current: unknown): Condition[] {
  const list = (current as { conditions?: unknown } | undefined)?.conditions;
  if (!Array.isArray(list)) return [];
  return list.filter((c): c is Condition => typeof c === 'object' && c !== null && typeof (c as Condition).type === 'string');
}

/** metav1.Time: RFC 3339 in whole seconds. */
export function kubeTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
