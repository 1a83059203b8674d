// Per-server keep-alive connection pools. They outlive routing-table swaps (a reload must not
// drop warm connections) and are retired when their server leaves the configuration.
import http from 'node:http';
import https from 'node:https';
import type { Protocol } from '../api/types.ts';
import type { ServerConfig } from '../routing/model.ts';

export interface Pool {
  readonly agent: http.Agent;
  readonly url: URL;
}

export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();

  /** The pool for a server identity, made on first use. */
  get(server: ServerConfig, protocol: Protocol, idleMs: number): Pool {
    let pool = this.pools.get(server.id);
    if (!pool) {
      const options: http.AgentOptions = {
        keepAlive: true,
        // An idle pooled socket is closed after this; the server usually closes first, which
        // is why a reset on a reused socket is retried (see outbound.ts).
        timeout: idleMs,
        scheduling: 'lifo', // reuse the warmest socket, let the rest idle out
        maxFreeSockets: 256,
      };
      const agent = protocol === 'https' ? new https.Agent(options) : new http.Agent(options);
      const host = server.host.includes(':') ? `[${server.host}]` : server.host;
      pool = { agent, url: new URL(`${protocol}://${host}:${server.port}`) };
      this.pools.set(server.id, pool);
    }
    return pool;
  }

  /** Closes pools of servers no longer configured; requests in flight finish on their sockets. */
  retainOnly(ids: ReadonlySet<string>): void {
    for (const [id, pool] of this.pools) {
      if (ids.has(id)) continue;
      this.pools.delete(id);
      retire(pool.agent);
    }
  }

  closeAll(): void {
    for (const pool of this.pools.values()) pool.agent.destroy();
    this.pools.clear();
  }
}

function retire(agent: http.Agent): void {
  // Sockets still serving a request are returned to the agent when done; with keepAlive off
  // the agent closes them then instead of pooling them. Idle ones go now.
  (agent as http.Agent & { keepAlive: boolean }).keepAlive = false;
  for (const sockets of Object.values(agent.freeSockets)) for (const s of sockets ?? []) s.destroy();
}
