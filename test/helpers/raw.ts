// A raw HTTP/1.1 exchange over a socket: for requests a normal client refuses to send.
import net from 'node:net';

export interface RawResult {
  /** Everything the server sent before closing (or before `idleMs` of silence). */
  text: string;
  status: number;
  closed: boolean;
}

export function rawRequest(port: number, payload: string | Buffer, idleMs = 2_000): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ text, status, closed });
    };
    // Without a close, the answer is complete once the server has been quiet for a while.
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), idleMs);
    };
    socket.on('connect', () => {
      socket.write(payload);
      arm();
    });
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      arm();
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (err) => (chunks.length ? finish(true) : reject(err)));
  });
}
