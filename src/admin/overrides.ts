// POST /api/targets/{namespace}/{name}/servers/{route}/{drain|disable|enable}: the runtime
// overrides of the balancer-manager. They live in the health registry, keyed by server
// identity, so they survive configuration reloads while the server exists, and they are per
// process (one replica in Kubernetes).
//
// Cross-site requests: a form or a simple fetch from another origin cannot carry an
// Authorization header, and a fetch that adds one needs a CORS preflight we never grant; a
// Content-Type other than JSON (what forms send) is refused as well.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { HealthRegistry } from '../health/registry.ts';
import type { Override } from '../health/server-state.ts';
import { clientAddress } from '../proxy/trust.ts';
import { tokenChecker } from './auth.ts';
import { sendJson } from './respond.ts';
import type { ServerStatus, TargetsStatus } from './status.ts';

export type OverrideAction = 'drain' | 'disable' | 'enable';

export interface OverrideRequest {
  targetId: string;
  route: string;
  action: OverrideAction;
}

const ACTIONS: Record<OverrideAction, Override | undefined> = { drain: 'draining', disable: 'disabled', enable: undefined };

interface AdminError {
  status: number;
  code: string;
  error: string;
}

/** Every error the write API answers, with a stable code clients may match on. */
export const ADMIN_ERRORS = {
  readOnly: { status: 403, code: 'PASSTHRU_ADMIN_READ_ONLY', error: 'read-only: no admin token configured' },
  noToken: { status: 401, code: 'PASSTHRU_ADMIN_UNAUTHORIZED', error: 'an Authorization: Bearer <token> header is required' },
  badToken: { status: 401, code: 'PASSTHRU_ADMIN_UNAUTHORIZED', error: 'the bearer token is not valid' },
  method: { status: 405, code: 'PASSTHRU_ADMIN_METHOD', error: 'use POST' },
  mediaType: { status: 415, code: 'PASSTHRU_ADMIN_MEDIA_TYPE', error: 'send no body, or Content-Type: application/json' },
  noTarget: { status: 404, code: 'PASSTHRU_ADMIN_NO_TARGET', error: 'no such target' },
  noServer: { status: 404, code: 'PASSTHRU_ADMIN_NO_SERVER', error: 'no server with this route in the target' },
  configured: {
    status: 409,
    code: 'PASSTHRU_ADMIN_CONFIGURED',
    error: 'this server is drained or disabled by the configuration (a passthru.dev/drain or passthru.dev/disable annotation, or a terminating endpoint): change it there',
  },
} as const satisfies Record<string, AdminError>;

const PATH = /^\/api\/targets\/([^/]+)\/([^/]+)\/servers\/([^/]+)\/(drain|disable|enable)$/;

/** The override a path asks for, or undefined when the path is not an override path. */
export function parseOverridePath(path: string): OverrideRequest | undefined {
  const m = PATH.exec(path);
  if (!m) return undefined;
  try {
    const [namespace, name, route] = [m[1]!, m[2]!, m[3]!].map(decodeURIComponent);
    return { targetId: `${namespace}/${name}`, route: route!, action: m[4] as OverrideAction };
  } catch {
    return undefined; // malformed %-escapes: no such resource
  }
}

export interface OverrideDeps {
  health: HealthRegistry;
  status: () => TargetsStatus;
  adminToken: string | undefined;
  logger: Logger;
}

export function overrideHandler(deps: OverrideDeps): (req: IncomingMessage, res: ServerResponse, what: OverrideRequest) => void {
  const check = deps.adminToken === undefined ? undefined : tokenChecker(deps.adminToken);

  return (req, res, what) => {
    req.resume(); // the body carries nothing; read it away so the connection stays usable
    const client = clientAddress(req.socket.remoteAddress);
    const refuse = (e: AdminError): void => {
      // Who tried what, never the token.
      if (e.status === 401 || e.status === 403)
        deps.logger.warn({ client, target: what.targetId, server: what.route, action: what.action, code: e.code }, 'admin write refused');
      const headers: Record<string, string> = {};
      if (e.status === 401) headers['www-authenticate'] = 'Bearer realm="passthru admin"';
      if (e.status === 405) headers['allow'] = 'POST';
      sendJson(res, e.status, { error: e.error, code: e.code }, headers);
    };

    if (req.method !== 'POST') return refuse(ADMIN_ERRORS.method);
    if (!check) return refuse(ADMIN_ERRORS.readOnly);
    const auth = check(req.headers);
    if (auth !== 'ok') return refuse(auth === 'missing' ? ADMIN_ERRORS.noToken : ADMIN_ERRORS.badToken);
    const type = req.headers['content-type'];
    if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type)) return refuse(ADMIN_ERRORS.mediaType);

    if (deps.health.targetStates(what.targetId).length === 0) return refuse(ADMIN_ERRORS.noTarget);
    // The configuration's state is durable and on every replica; an override here would be
    // silently outranked, so say where to change it instead.
    if (findServer(deps.status(), what)?.overrideSource === 'configuration') return refuse(ADMIN_ERRORS.configured);
    const state = deps.health.setOverride(what.targetId, what.route, ACTIONS[what.action]);
    if (!state) return refuse(ADMIN_ERRORS.noServer);

    const server = findServer(deps.status(), what);
    deps.logger.info(
      { client, target: what.targetId, server: what.route, action: what.action, state: server?.state },
      what.action === 'enable' ? 'server override cleared' : 'server override set',
    );
    sendJson(res, 200, { target: what.targetId, server });
  };
}

function findServer(status: TargetsStatus, what: OverrideRequest): ServerStatus | undefined {
  return status.targets.find((t) => t.id === what.targetId)?.servers.find((s) => s.route === what.route);
}
