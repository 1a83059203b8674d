// `npm start`: two demo servers plus passthru serving this folder, so that
//   curl localhost:8080/exampleapp/
// answers and says which server served it. Ctrl-C stops everything.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startDemoUpstream } from './demo-upstream.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const cli = fileURLToPath(new URL('../cmd/passthru.ts', import.meta.url));

const upstreams = await Promise.all([startDemoUpstream('srv1', 9081), startDemoUpstream('srv2', 9082)]).catch((err: Error) => {
  process.stderr.write(`demo: cannot start the demo servers on 127.0.0.1:9081/9082: ${err.message}\n`);
  process.exit(1);
});
process.stderr.write('demo: servers srv1 on 127.0.0.1:9081 and srv2 on 127.0.0.1:9082\n');
process.stderr.write('demo: try  curl localhost:8080/exampleapp/   (admin: curl localhost:9090/metrics)\n');

const child = spawn(process.execPath, [cli, 'serve', '--config', here, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => {
  for (const u of upstreams) u.close();
  process.exit(code ?? 0);
});
