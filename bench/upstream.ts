// The cheapest Node upstream for bench/run.sh (BENCH_UPSTREAM=node): every request gets "ok\n".
// Usage: node bench/upstream.ts PORT [HOST]
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const host = process.argv[3] ?? '127.0.0.1';
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: node bench/upstream.ts PORT [HOST]\n');
  process.exit(2);
}

const body = Buffer.from('ok\n');
const server = createServer({ keepAliveTimeout: 75_000 }, (req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
server.listen(port, host);
const stop = (): void => {
  server.close();
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
