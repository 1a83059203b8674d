// A small JSON client for the API server on top of @kubernetes/client-node's authentication
// (client certificates, tokens, exec plugins, in-cluster service account). One HTTP path for
// lists, watches, status patches, leases and events, all as plain JSON: the typed clients
// turn timestamps into Dates on list but not on watch, and mixing both in one cache breaks
// equality checks.
import { HttpMethod, IsomorphicFetchHttpLibrary, RequestContext, type KubeConfig, type ResponseContext } from '@kubernetes/client-node';

export interface RestRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Default application/json; status writes use application/merge-patch+json. */
  contentType?: string;
  signal?: AbortSignal;
  /** Whole-request limit; default 30 s. Watches pass 0 and rely on their own watchdog. */
  timeoutMs?: number;
}

/** A failed call: `status` is the HTTP status (0 when no answer came), `reason` the API's. */
export class ApiError extends Error {
  readonly code = 'PASSTHRU_KUBE_API';
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

export interface KubeStatus {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
}

export class KubeRest {
  readonly config: KubeConfig;
  readonly server: string;
  readonly #http = new IsomorphicFetchHttpLibrary();

  constructor(config: KubeConfig) {
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.config = config;
    this.server = cluster.server.replace(/\/+$/, '');
  }

  /** A JSON request; resolves with the parsed answer, rejects with ApiError on any non-2xx. */
  async json<T>(path: string, req: RestRequest = {}): Promise<T> {
    const res = await this.#send(path, req);
    const text = await res.body.text();
    if (res.httpStatusCode < 200 || res.httpStatusCode > 299) throw errorFrom(res.httpStatusCode, text, path);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** A streaming GET (watch): resolves once the answer's headers arrived, with its body. */
  async stream(path: string, req: RestRequest): Promise<ReadableStream<Uint8Array>> {
    const res = await this.#send(path, { ...req, timeoutMs: 0 });
    if (res.httpStatusCode !== 200) throw errorFrom(res.httpStatusCode, await res.body.text(), path);
    const body = res.body.stream();
    if (!body) throw new ApiError(0, 'NoBody', `GET ${path}: the API server answered without a body`);
    return body;
  }

  async #send(path: string, req: RestRequest): Promise<ResponseContext> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const ctx = new RequestContext(url.toString(), req.method ?? HttpMethod.GET);
    ctx.setHeaderParam('Accept', 'application/json');
    if (req.body !== undefined) {
      ctx.setHeaderParam('Content-Type', req.contentType ?? 'application/json');
      ctx.setBody(JSON.stringify(req.body));
    }
    const timeoutMs = req.timeoutMs ?? 30_000;
    const signals = [req.signal, timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined].filter((s) => s !== undefined);
    if (signals.length > 0) ctx.setSignal(AbortSignal.any(signals));
    await this.config.applySecurityAuthentication(ctx);
    try {
      return await this.#http.send(ctx).toPromise();
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'AbortError' || e.name === 'TimeoutError') throw err;
      const cause = e.cause?.code ?? e.cause?.message ?? e.message;
      throw new ApiError(0, 'Unreachable', `${req.method ?? 'GET'} ${path}: cannot reach the API server at ${this.server}: ${cause}`);
    }
  }
}

function errorFrom(status: number, text: string, path: string): ApiError {
  let parsed: KubeStatus | undefined;
  try {
    parsed = JSON.parse(text) as KubeStatus;
  } catch {
    parsed = undefined;
  }
  const reason = parsed?.reason ?? `HTTP${status}`;
  const message = parsed?.message ?? (text.slice(0, 200) || `HTTP ${status}`);
  return new ApiError(status, reason, `${path}: ${status} ${reason}: ${message}`);
}

export function isStatus(err: unknown, ...codes: number[]): boolean {
  return err instanceof ApiError && codes.includes(err.status);
}
