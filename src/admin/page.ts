// GET /: the balancer-manager page. One self-contained HTML file (page.html: inline style and
// vanilla script, nothing fetched from elsewhere, no build step). Its Content-Security-Policy
// allows exactly that inline script and style by hash, and the page may only talk to this
// listener.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { BASE_HEADERS } from './respond.ts';

const html = readFileSync(new URL('./page.html', import.meta.url), 'utf8');

function inlineHash(tag: 'script' | 'style'): string {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(html);
  if (!m) throw new Error(`page.html has no inline <${tag}>`);
  return `'sha256-${createHash('sha256').update(m[1]!, 'utf8').digest('base64')}'`;
}

export const PAGE_CSP = [
  "default-src 'none'",
  `script-src ${inlineHash('script')}`,
  `style-src ${inlineHash('style')}`,
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const body = Buffer.from(html, 'utf8');

export function sendPage(res: ServerResponse): void {
  res.writeHead(200, {
    ...BASE_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'content-length': body.length,
    'content-security-policy': PAGE_CSP,
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  });
  res.end(body);
}
