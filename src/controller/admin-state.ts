// The durable drain: annotations on a ReverseProxyTarget that take servers (by route) out of
// rotation on every replica, in both modes, and survive restarts, unlike the admin API's
// runtime override which lives in one process.
//
//   passthru.dev/drain: "srv1,srv2"    sessions pinned there finish; no new ones start
//   passthru.dev/disable: "srv3"       no requests at all
//
// A route in both is disabled. A route no server has is not an error (the pod may already be
// gone); translate mentions it in the Accepted message so a typo does not go unnoticed.
import type { AdminState, ObjectMeta } from '../api/types.ts';
import { ANNOTATION_PREFIX } from '../api/metadata.ts';

export const DRAIN_ANNOTATION = `${ANNOTATION_PREFIX}drain`;
export const DISABLE_ANNOTATION = `${ANNOTATION_PREFIX}disable`;
const KNOWN = [DRAIN_ANNOTATION, DISABLE_ANNOTATION];

export interface AdminStates {
  byRoute: Map<string, AdminState>;
  /** Things the user should hear about: unknown passthru.dev/ annotations. */
  notes: string[];
}

export function adminStates(meta: Pick<ObjectMeta, 'annotations'>): AdminStates {
  const annotations = meta.annotations ?? {};
  const byRoute = new Map<string, AdminState>();
  for (const route of routes(annotations[DRAIN_ANNOTATION])) byRoute.set(route, 'draining');
  for (const route of routes(annotations[DISABLE_ANNOTATION])) byRoute.set(route, 'disabled');
  const notes = Object.keys(annotations)
    .filter((k) => k.startsWith(ANNOTATION_PREFIX) && !KNOWN.includes(k))
    .sort()
    .map((k) => `annotation "${k}" is not one passthru reads (${KNOWN.join(', ')})`);
  return { byRoute, notes };
}

function routes(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
