import http from 'node:http';
import https from 'node:https';

// Enough parallel connections per receiver for well over 5,000 deliveries/s on loopback; a receiver
// that needs fewer simply leaves some kept-alive sockets idle.
const MAX_SOCKETS_PER_ORIGIN = 32;
// Requests handed to the agent per receiver: one more per socket waits in the agent, so a socket is
// reused the moment it frees (measured ~20 % faster than handing over only as many as there are
// sockets). The rest wait in the origin's Lane, their timeouts not yet running.
const MAX_OUT_PER_ORIGIN = 2 * MAX_SOCKETS_PER_ORIGIN;
// Past this many spent slots at the head of a lane's queue, and once they are the larger part, the
// queue is compacted: under steady load it may never empty, and its array would grow without bound.
const COMPACT_AFTER = 1024;
const NOOP = () => {};

/**
 * The requests to one origin: at most MAX_OUT_PER_ORIGIN out at once, the rest waiting here in
 * order rather than in the http.Agent, whose queue is an array it shifts (slow when long) and
 * whose queued requests would already be running their timeouts.
 */
export class Lane {
  #active = 0;
  #queue: (() => void)[] = [];
  /** The index of the next request to start; the queue's head is consumed, not shifted. */
  #head = 0;

  /**
   * Runs `go` now when the origin has room and nothing waits ahead of it, else in its turn. `go`
   * calls `acquire` when it sends a request and `release` when that request has ended.
   */
  enter(go: () => void): void {
    if (this.#active < MAX_OUT_PER_ORIGIN && this.#head === this.#queue.length) go();
    else this.#queue.push(go);
  }

  /** A request went out: it holds one of the origin's places until `release`. */
  acquire(): void {
    this.#active++;
  }

  /** A request ended: its place goes to the next in line. */
  release(): void {
    this.#active--;
    this.#next();
  }

  /**
   * Runs every waiting `go` at once, regardless of room: on close, where each one sees the sender
   * closed and resolves without sending (and without `acquire`).
   */
  flush(): void {
    const queued = this.#queue.slice(this.#head);
    this.#queue = [];
    this.#head = 0;
    for (const go of queued) go();
  }

  #next(): void {
    if (this.#head === this.#queue.length || this.#active >= MAX_OUT_PER_ORIGIN) return;
    const go = this.#queue[this.#head] as () => void;
    // Dropped so the queue holds no closure of a request that has started.
    this.#queue[this.#head++] = NOOP;
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    } else if (this.#head > COMPACT_AFTER && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    go();
  }
}

/** Where a request goes: the URL taken apart for `http.request`, and the lane and agent that carry it. */
export interface Endpoint {
  readonly lane: Lane;
  readonly module: typeof http | typeof https;
  readonly agent: http.Agent;
  /** Without IPv6 brackets, as `http.request` wants it. */
  readonly hostname: string;
  readonly port: number;
  /** Path and query string. */
  readonly path: string;
  /** The URL as requested (and recorded), in this endpoint's scheme. */
  readonly url: string;
  readonly scheme: 'https' | 'http';
}

/**
 * The per-origin delivery queue: a kept-alive agent per scheme, at most MAX_SOCKETS_PER_ORIGIN
 * sockets to each origin, and one Lane per origin shared by every subscription to it.
 */
export class OriginQueues {
  readonly #httpAgent: http.Agent;
  readonly #httpsAgent: https.Agent;
  readonly #lanes = new Map<string, Lane>();

  /** `ca`: PEM of the CAs trusted for https:// receivers (the harness CA); default Node's roots. */
  constructor(ca?: string | readonly string[]) {
    this.#httpAgent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_ORIGIN });
    this.#httpsAgent = new https.Agent({
      keepAlive: true,
      maxSockets: MAX_SOCKETS_PER_ORIGIN,
      ...(ca === undefined ? {} : { ca: typeof ca === 'string' ? ca : [...ca] }),
    });
  }

  /**
   * The endpoint for `url` in `scheme`, which may differ from the URL's own: an https:// URL's
   * http:// twin (for `fallbackToHttp`) keeps the https port, since it is the same receiver.
   */
  endpoint(url: URL, scheme: 'https' | 'http'): Endpoint {
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const path = `${url.pathname}${url.search}`;
    const u = new URL(url.href);
    u.protocol = `${scheme}:`;
    if (scheme !== url.protocol.slice(0, -1)) u.port = String(port);
    const origin = `${scheme}://${url.host}:${port}`;
    let lane = this.#lanes.get(origin);
    if (!lane) this.#lanes.set(origin, (lane = new Lane()));
    return {
      lane,
      module: scheme === 'https' ? https : http,
      agent: scheme === 'https' ? this.#httpsAgent : this.#httpAgent,
      hostname,
      port,
      path,
      url: u.href,
      scheme,
    };
  }

  /** Runs every waiting request of every origin at once (see `Lane.flush`). */
  flush(): void {
    for (const lane of this.#lanes.values()) lane.flush();
  }

  /** Closes the kept-alive connections. */
  destroy(): void {
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }
}
