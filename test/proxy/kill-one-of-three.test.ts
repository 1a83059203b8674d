// A bounded load test on loopback (QUALITY.md "Faults"): steady traffic over three servers,
// one killed mid-run; at most a handful of requests may fail and no POST is sent twice.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startPlane, target } from '../helpers/plane.ts';
import { startUpstream, tracker } from '../helpers/upstream.ts';

const track = tracker();
afterEach(track.closeAll);

const WORKERS = 12;
const REQUESTS = 1_500;
const KILL_AFTER = 400;

describe('an upstream killed mid-load', () => {
  it('costs at most a handful of failed requests and never sends a POST twice', async () => {
    const posts = new Map<string, number>();
    const servers = await Promise.all(
      ['s1', 's2', 's3'].map((name) =>
        track(
          startUpstream(name, (req, res, body) => {
            if (req.method === 'POST') posts.set(body, (posts.get(body) ?? 0) + 1);
            res.end(name);
          }),
        ),
      ),
    );
    const plane = await track(
      startPlane([
        target('ns/app', ['/'], servers.map((s) => ({ port: s.port, route: s.name })), {
          outlierDetection: { consecutiveFailures: 3, ejectionTimeMs: 30_000, maxEjectionPercent: 50 },
        }),
      ]),
    );
    const agent = new http.Agent({ keepAlive: true, maxSockets: WORKERS });
    let issued = 0;
    let completed = 0;
    let killed = false;
    const failures: string[] = [];
    const one = (i: number): Promise<void> =>
      new Promise((resolve) => {
        const post = i % 4 === 0;
        const req = http.request({ host: '127.0.0.1', port: plane.port, path: `/r${i}`, method: post ? 'POST' : 'GET', agent }, (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) failures.push(`${i}: ${res.statusCode}`);
            resolve();
          });
          res.on('error', (err) => {
            failures.push(`${i}: ${err.message}`);
            resolve();
          });
        });
        req.on('error', (err) => {
          failures.push(`${i}: ${err.message}`);
          resolve();
        });
        req.end(post ? `order-${i}` : undefined);
      });
    const worker = async (): Promise<void> => {
      while (issued < REQUESTS) {
        await one(issued++);
        if (++completed === KILL_AFTER && !killed) {
          killed = true;
          await servers[1]!.close(); // s2 goes away, its open connections cut
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    agent.destroy();

    expect(killed).toBe(true);
    expect(failures.length, failures.join('\n')).toBeLessThanOrEqual(5);
    expect([...posts.values()].every((n) => n === 1)).toBe(true);
    const state = plane.plane.health.targetStates('ns/app').find((s) => s.route === 's2')!;
    expect(state.state(Date.now())).toBe('ejected');
    // after the kill the others carried the load
    expect(servers[0]!.seen.length + servers[2]!.seen.length).toBeGreaterThan(REQUESTS - KILL_AFTER);
  });
});
