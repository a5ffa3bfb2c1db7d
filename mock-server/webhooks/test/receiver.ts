/**
 * Test helper: a real webhook receiver on 127.0.0.1, port 0, over HTTP or HTTPS, that records
 * every request and answers what the test tells it to.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { KeyPair } from '../../transports/tls.ts';

export interface ReceivedRequest {
  /** 1-based arrival number. */
  n: number;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface ReceiverReply {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Answer after this many real milliseconds (a slow receiver). */
  delayMs?: number;
}

export type Respond = (req: ReceivedRequest) => ReceiverReply;

export interface Receiver {
  /** `http://127.0.0.1:<port>` or `https://…`. */
  readonly origin: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** The parsed JSON bodies, in arrival order. */
  bodies(): unknown[];
  /** Replaces how the receiver answers (default 200, empty body). */
  respond(fn: Respond): void;
  /** Resolves once `n` requests have arrived in full. */
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a receiver; with `tls`, it serves HTTPS with that certificate. */
export async function startReceiver(options: { tls?: KeyPair; respond?: Respond } = {}): Promise<Receiver> {
  let respond: Respond = options.respond ?? (() => ({ status: 200 }));
  const requests: ReceivedRequest[] = [];
  let waiters: { n: number; resolve: () => void }[] = [];
  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received: ReceivedRequest = {
        n: requests.length + 1,
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(received);
      waiters = waiters.filter((w) => (requests.length >= w.n ? (w.resolve(), false) : true));
      const reply = respond(received);
      const answer = () => {
        if (res.destroyed) return;
        res.writeHead(reply.status ?? 200, reply.headers);
        res.end(reply.body);
      };
      if (reply.delayMs) setTimeout(answer, reply.delayMs);
      else answer();
    });
  };
  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    bodies: () => requests.map((r) => JSON.parse(r.body) as unknown),
    respond(fn) {
      respond = fn;
    },
    waitFor(n) {
      if (requests.length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
