// A tiny app server for the demo and the tests: says which server answered and what it saw.
import http from 'node:http';

export function startDemoUpstream(name: string, port: number, host = '127.0.0.1'): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const lines = [
      `served by ${name}`,
      `${req.method} ${req.url}`,
      `host: ${req.headers.host ?? ''}`,
      `x-forwarded-for: ${req.headers['x-forwarded-for'] ?? ''}`,
      `via: ${req.headers.via ?? ''}`,
    ];
    const body = lines.join('\n') + '\n';
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), 'x-served-by': name });
    res.end(body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
