import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startPlane, target } from '../helpers/plane.ts';
import { startUpstream, tracker } from '../helpers/upstream.ts';
import { adminRequest } from './admin-server.ts';

const track = tracker();
afterEach(track.closeAll);

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('GET / (the status page)', () => {
  it('is one self-contained HTML document whose inline script and style are the only ones its CSP allows', async () => {
    const up = await track(startUpstream('a'));
    const tp = await track(startPlane([target('ns/app', ['/app'], [{ port: up.port }])]));
    const page = await adminRequest(tp.adminPort, '/', { method: 'GET' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-frame-options']).toBe('DENY');

    const csp = Object.fromEntries(String(page.headers['content-security-policy']).split(/;\s*/).map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    const scripts = [...page.body.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    const styles = [...page.body.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    expect(styles).toHaveLength(1);
    expect(csp['default-src']).toEqual(["'none'"]);
    expect(csp['script-src']).toEqual([sha256(scripts[0]!)]);
    expect(csp['style-src']).toEqual([sha256(styles[0]!)]);
    expect(csp['connect-src']).toEqual(["'self'"]);
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    expect(csp['form-action']).toEqual(["'none'"]);
    // Nothing from elsewhere: no CDN, no external script, style or font.
    expect(page.body).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet|https?:\/\/|@import|url\(/i);
    // Data goes in as text, never as markup.
    expect(scripts[0]).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const tp = await track(startPlane([]));
    const head = await adminRequest(tp.adminPort, '/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    const post = await adminRequest(tp.adminPort, '/', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD');
  });
});
