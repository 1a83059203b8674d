// The first server for a request: the session's pinned server when it can take the request,
// else the target's balancing method. Shared by plain requests and WebSocket upgrades.
import type { IncomingMessage } from 'node:http';
import { requestedRoute } from '../balancer/sticky.ts';
import type { ServerRuntime, TargetRuntime } from './runtime.ts';

export interface Selection {
  server: ServerRuntime | undefined;
  /** The route the request asked for (cookie or path parameter), if any. */
  route: string | undefined;
  /** The request must stay on `server` (noFailover). */
  pinned: boolean;
  /** The session's server is down and noFailover forbids moving it: answer 503, keep the pin. */
  refused: boolean;
}

export function selectFirst(req: IncomingMessage, target: TargetRuntime, now: number): Selection {
  const sticky = target.config.sticky;
  if (sticky) {
    const route = requestedRoute(req.headers.cookie, req.url ?? '', sticky.cookie);
    const pinned = route === undefined ? undefined : target.byRoute.get(route);
    if (pinned?.state.availableForSession(now)) return { server: pinned, route, pinned: sticky.noFailover, refused: false };
    if (pinned && sticky.noFailover) return { server: pinned, route, pinned: true, refused: true };
    return { server: target.balancer.pick(), route, pinned: false, refused: false };
  }
  return { server: target.balancer.pick(), route: undefined, pinned: false, refused: false };
}
