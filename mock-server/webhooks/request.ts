import type http from 'node:http';
import { performance } from 'node:perf_hooks';
import { GoliveError } from '../../errors.ts';
import type { Clock } from '../clock.ts';
import type { Endpoint } from './queue.ts';

/** Response bytes read per delivery by default; a receiver's answer matters only by its status. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
/** The error of a request cut short by `close()`, or not sent because the sender had closed. */
const CLOSED = 'closed';

/** What became of one HTTP request. */
export interface Outcome {
  /** Mock-clock and monotonic time when the request went out (after any wait in its lane). */
  startedAt: number;
  startMono: number;
  endMono: number;
  status: number | null;
  error: string | null;
  timedOut: boolean;
  plainHttpOnly: boolean;
  /** Failed on a kept-alive socket before any response: the receiver closed it meanwhile. */
  staleSocket: boolean;
  bytes: number;
  truncated: boolean;
  location: string | undefined;
}

function errorCode(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  // OpenSSL 3 reports a plain-HTTP answer to a ClientHello as EPROTO with this reason in the message.
  if (/wrong version number/i.test(error.message)) return 'ERR_SSL_WRONG_VERSION_NUMBER';
  return code ?? error.message;
}

/** The TLS handshake got something that is not TLS: typically `HTTP/1.1 400` from a plain-HTTP server. */
function isPlainHttpAnswer(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_HTTP_REQUEST') return true;
  return (code === 'EPROTO' || code.startsWith('ERR_SSL_')) && /wrong version number|http request|packet length too long/i.test(error.message);
}

/**
 * Sends the sender's HTTP requests, each when its origin's lane has room, and turns what
 * happened into an Outcome: it never rejects, since a receiver's failure is a result to record.
 * Reads at most `maxResponseBytes` of a response, never follows a redirect, and times each
 * request out in real time.
 */
export class Requester {
  readonly #clock: Clock;
  readonly #maxResponseBytes: number;
  /** Requests on the wire, for `close` to abort. */
  readonly #inFlight = new Set<http.ClientRequest>();
  #closed = false;

  /** Throws `GOLIVE_ERR_CONFIG_INVALID` for a `maxResponseBytes` that is not a whole number ≥ 0. */
  constructor(clock: Clock, maxResponseBytes: number = DEFAULT_MAX_RESPONSE_BYTES) {
    if (!Number.isInteger(maxResponseBytes) || maxResponseBytes < 0) {
      throw new GoliveError('GOLIVE_ERR_CONFIG_INVALID', 'maxResponseBytes: expected a whole number of bytes ≥ 0');
    }
    this.#clock = clock;
    this.#maxResponseBytes = maxResponseBytes;
  }

  /** One HTTP request, when its lane has room. */
  send(endpoint: Endpoint, method: string, headers: Record<string, string>, body: Buffer, timeoutMs: number): Promise<Outcome> {
    return new Promise((resolve) => {
      const { lane } = endpoint;
      const go = () => {
        const o: Outcome = {
          startedAt: this.#clock.now(),
          startMono: performance.now(),
          endMono: 0,
          status: null,
          error: null,
          timedOut: false,
          plainHttpOnly: false,
          staleSocket: false,
          bytes: 0,
          truncated: false,
          location: undefined,
        };
        if (this.#closed) {
          o.error = CLOSED;
          o.endMono = o.startMono;
          resolve(o);
          return;
        }
        lane.acquire();
        const max = this.#maxResponseBytes;
        let done = false;
        let req: http.ClientRequest | undefined;
        let timer: NodeJS.Timeout | undefined;
        const finish = () => {
          if (done) return;
          done = true;
          o.endMono = performance.now();
          clearTimeout(timer);
          if (req) this.#inFlight.delete(req);
          resolve(o);
          lane.release();
        };
        const onResponse = (res: http.IncomingMessage) => {
          o.status = res.statusCode ?? null;
          if (o.status !== null && o.status >= 300 && o.status < 400 && res.headers.location !== undefined) o.location = res.headers.location;
          res.on('data', (chunk: Buffer) => {
            if (done) return;
            o.bytes += chunk.length;
            if (o.bytes > max) {
              o.bytes = max;
              o.truncated = true;
              finish();
              res.destroy();
            }
          });
          res.on('end', finish);
          res.on('error', (error) => {
            if (done) return;
            o.error = errorCode(error);
            finish();
          });
          res.on('close', finish);
        };
        try {
          req = endpoint.module.request({ agent: endpoint.agent, hostname: endpoint.hostname, port: endpoint.port, path: endpoint.path, method, headers }, onResponse);
        } catch (error) {
          // Node refuses some header values synchronously: that is this send's error, not the caller's.
          o.error = errorCode(error as Error);
          finish();
          return;
        }
        const sent = req;
        this.#inFlight.add(sent);
        sent.on('error', (error) => {
          if (done) return;
          o.error = errorCode(error);
          o.plainHttpOnly = endpoint.scheme === 'https' && isPlainHttpAnswer(error);
          o.staleSocket = sent.reusedSocket && o.status === null && (o.error === 'ECONNRESET' || o.error === 'EPIPE');
          finish();
        });
        // Real time on purpose: this bounds real I/O, unlike the retry waits on the scheduler.
        timer = setTimeout(() => {
          if (done) return;
          o.timedOut = true;
          o.error = 'timeout';
          finish();
          sent.destroy();
        }, timeoutMs);
        sent.end(body);
      };
      lane.enter(go);
    });
  }

  /**
   * Aborts the requests on the wire (they resolve with error `closed`); requests that start later
   * resolve at once with the same error, without sending.
   */
  close(): void {
    this.#closed = true;
    for (const req of this.#inFlight) req.destroy(Object.assign(new Error('the webhook sender closed'), { code: CLOSED }));
  }
}
