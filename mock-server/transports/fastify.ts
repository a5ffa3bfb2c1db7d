import { STATUS_CODES, createServer as createHttpServer } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ApiResponse, Endpoint, HttpMethod, RequestProblem } from '../handlers/endpoint.ts';
import { type Handled, type InboundRequest, type Runtime, handle, refusePlain } from '../handlers/pipeline.ts';
import { answerPlainly } from '../handlers/request-schema.ts';
import { MAX_JSON_DEPTH, parseBody, pathPattern } from './http-parse.ts';
import { NO_FASTIFY_SCHEMAS } from './no-fastify-schemas.ts';
import { paddedBody } from '../faults/reshape.ts';
import type { KeyPair } from './tls.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The raw body text, kept by the body parser for the journal. */
    goliveRawBody: string | undefined;
  }
}

export interface ApiListenerOptions {
  host: string;
  port: number;
  /** Serve HTTPS with this certificate; plain HTTP when absent. */
  tls?: KeyPair;
  /**
   * With `tls`: answer plain HTTP on the same port too, so a client that calls `http://` is
   * seen rather than failing to connect. Its requests are journaled and refused (403, no body).
   */
  refusePlainHttp?: boolean;
  /** Name in the journal (`api`, or a bad-TLS listener's name). */
  name: string;
  /** Told of every TLS handshake, completed or not (the bad-TLS listeners record them). */
  onTls?: (event: { handshake: 'completed' | 'failed'; error?: string }) => void;
  /** Largest request body in bytes (default `DEFAULT_BODY_LIMIT`); one byte more is 413. */
  bodyLimit?: number;
  /** Deepest JSON nesting a body may have (default 64); deeper is 400. */
  maxJsonDepth?: number;
  /**
   * Time a connection has to send a request's headers, from its first byte (or its handshake),
   * in ms (default `DEFAULT_HEADERS_TIMEOUT_MS`): a slowloris client, or one that connects and
   * says nothing, is answered 408 and closed then.
   */
  headersTimeoutMs?: number;
  /** Time a request has to arrive whole, headers and body, in ms (default `DEFAULT_REQUEST_TIMEOUT_MS`): a slow body is 408. */
  requestTimeoutMs?: number;
  /** Connections the kernel may queue before they are accepted (default `DEFAULT_BACKLOG`; the kernel caps it at `somaxconn`). */
  backlog?: number;
}

/** 16 MiB: a bulk request of 1,000 orders fits several times over. */
export const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024;
/** Kestrel's (ASP.NET Core's server) `RequestHeadersTimeout`; Node's own default is 60 s. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 30_000;
/** Node's own default, set explicitly: fastify would otherwise turn it off (0) and let a slow body hold a socket forever. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 300_000;
/**
 * Linux's default `somaxconn` since 5.4. Node's own 511 lets a burst of idle connections fill
 * the accept queue, and every client after it waits for a SYN retransmission (1 s, then 3 s…).
 */
export const DEFAULT_BACKLOG = 4_096;

export interface ApiListener {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const toFastifyPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

/**
 * A request waiting for its answer on a connection. One listener per connection (not per
 * request, which would cost every request) notices a client that gives up before the answer.
 */
const pending = new WeakMap<Socket, { handled: Handled | null; rt: Runtime; settled: boolean }>();

function watchConnection(socket: Socket): void {
  socket.once('close', () => {
    const waiting = pending.get(socket);
    if (waiting && !waiting.settled && waiting.handled) finish(waiting.rt, waiting, 0, true);
  });
}

/**
 * Completes the journal entry (latency, bytes, abort) and frees the rate-limit slot, once.
 * `answeredAt`: when the answer was handed over, taken before it was written.
 */
function finish(rt: Runtime, state: { handled: Handled | null; settled: boolean }, bytes: number, aborted: boolean, answeredAt?: number): void {
  if (state.settled || !state.handled) return;
  state.settled = true;
  const { entry, release } = state.handled;
  release();
  const now = answeredAt ?? performance.now();
  entry.latencyMs = Math.round((now - entry.mono) * 1000) / 1000;
  entry.responseBytes = bytes;
  if (aborted) {
    entry.aborted = true;
    entry.abortedAtMono = now;
  }
  rt.journal.record(entry);
}

const TEXT_TYPE = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

/** The body as sent: a string as it is, anything else as JSON (its text when the resolver has it), `undefined` as no body. */
function payloadOf(response: ApiResponse): string | undefined {
  const body = response.body;
  return body === undefined || typeof body === 'string' ? body : (response.json ?? JSON.stringify(body));
}

function inbound(request: FastifyRequest, name: string, transport: 'https' | 'http'): InboundRequest {
  const url = request.raw.url ?? '/';
  const q = url.indexOf('?');
  return {
    method: request.method as HttpMethod,
    path: q === -1 ? url : url.slice(0, q),
    params: (request.params ?? {}) as Record<string, string>,
    query: (request.query ?? {}) as Record<string, string | string[]>,
    headers: request.headers as Record<string, string | undefined>,
    body: request.body,
    rawBody: request.goliveRawBody,
    listener: name,
    transport,
  };
}

/** The first byte of a TLS record that starts a handshake (content type 22, RFC 8446 §5.1). */
const TLS_HANDSHAKE = 0x16;

/** Node's HTTP timeouts of a listener: how often it looks for connections past them, a quarter of the headers timeout (Node's default is every 30 s). */
function httpTimeouts(headersTimeoutMs: number, requestTimeoutMs: number) {
  return {
    headersTimeout: headersTimeoutMs,
    requestTimeout: requestTimeoutMs,
    connectionsCheckingInterval: Math.max(25, Math.min(1_000, Math.floor(headersTimeoutMs / 4))),
  };
}

/**
 * Makes an HTTPS listener answer plain HTTP on its port as well. Each new connection waits
 * for its first byte: a TLS handshake (0x16) goes to the TLS server as before, anything else
 * to a plain HTTP server that routes into the same fastify instance (its documented
 * `routing`), where `answer` refuses it. The byte is read and put back (`unshift`), so
 * neither server misses it. Connections still silent, and the plain ones, are destroyed when
 * fastify closes (`forceCloseConnections`, as for the TLS ones).
 */
function answerPlainHttpToo(app: FastifyInstance, timeouts: ReturnType<typeof httpTimeouts>): void {
  // fastify types its server as plain HTTP; with TLS it is an https.Server.
  const server = app.server as unknown as NetServer;
  const startTls = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  const plain = createHttpServer(timeouts, (req, res) => app.routing(req, res));
  // The same answer to a client error (a bad request line, a timeout) as the TLS side gives.
  for (const onClientError of app.server.listeners('clientError')) plain.on('clientError', onClientError as (err: Error, socket: Socket) => void);
  // Node starts tracking a server's connections for its headers and request timeouts when it
  // starts listening; this one never listens (it is handed sockets), so it is told it does.
  plain.emit('listening');
  const firstByteTimeoutMs = timeouts.headersTimeout;
  // Connections still silent, and plain ones (a server that never listened tracks none of its own).
  const open = new Set<Socket>();
  let closing = false;

  server.on('connection', (socket: Socket) => {
    if (closing) return void socket.destroy();
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    // A reset before the first byte is the client's business: never an unhandled error.
    socket.on('error', () => socket.destroy());
    socket.setTimeout(firstByteTimeoutMs, () => socket.destroy());
    const sniff = () => {
      const first = socket.read(1) as Buffer | null;
      if (first === null) {
        if (!socket.destroyed) socket.once('readable', sniff);
        return;
      }
      socket.setTimeout(0);
      socket.unshift(first);
      if (first[0] === TLS_HANDSHAKE) {
        // The TLS server's own tracking (fastify's forceCloseConnections) takes it from here.
        open.delete(socket);
        for (const listener of startTls) listener.call(server, socket);
      } else {
        watchConnection(socket);
        plain.emit('connection', socket);
      }
    };
    sniff();
  });

  app.addHook('preClose', (done) => {
    closing = true;
    for (const socket of open) socket.destroy();
    // Stops its timeout checks (it was never listening: the callback's error says just that).
    plain.close(() => {});
    done();
  });
}

/**
 * Faults that need the socket itself: a reset, a response that never comes, a body cut
 * short. The journal records when the client gave up.
 */
function playSocketFault(
  rt: Runtime,
  state: { handled: Handled | null; settled: boolean },
  request: FastifyRequest,
  reply: FastifyReply,
  kind: 'reset' | 'hang' | 'truncated',
): FastifyReply {
  reply.hijack();
  const raw = reply.raw;
  const socket = request.raw.socket;
  if (kind === 'reset') {
    finish(rt, state, 0, false);
    // A TCP reset (RST), so the client sees ECONNRESET; under TLS, on the TCP socket beneath.
    const tcp = ((socket as { _parent?: Socket })._parent ?? socket) as Socket;
    if (typeof tcp.resetAndDestroy === 'function' && !tcp.destroyed) tcp.resetAndDestroy();
    else socket.destroy();
  } else if (kind === 'truncated') {
    const body = '{"result":[{"id":"ORD-1","status":"New"},{"id":"ORD-2","status":"New"}],"totalHits":2}';
    raw.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length) });
    raw.write(body.slice(0, body.length >> 1), () => {
      if (state.handled) state.handled.entry.status = 200;
      finish(rt, state, body.length >> 1, false);
      socket.destroy();
    });
  }
  // Hang: answer nothing; the connection's close (client timeout, or our shutdown) records the abort.
  return reply;
}

/**
 * Sends an answer with `padding` spaces before its body (a `large-body` fault), made as they are
 * written and written as the client takes them (backpressure), so the mock never holds the body.
 * The journal records the bytes that reached the connection, and the client's abort when it
 * closes the connection before the end (a capped read).
 */
function sendPadded(rt: Runtime, state: { handled: Handled | null; settled: boolean }, socket: Socket, reply: FastifyReply, response: ApiResponse, padding: number): FastifyReply {
  reply.hijack();
  // This answer records its own end: the connection's watcher would record 0 bytes.
  pending.delete(socket);
  const raw = reply.raw;
  const body = Buffer.from(payloadOf(response) ?? '');
  raw.writeHead(response.status, { ...response.headers, 'content-length': String(padding + body.length) });
  const answeredAt = performance.now();
  const chunks = paddedBody(padding, body);
  let sent = 0;
  raw.once('close', () => finish(rt, state, sent, !raw.writableFinished));
  const pump = (): void => {
    for (let next = chunks.next(); !next.done; next = chunks.next()) {
      const size = next.value.length;
      if (raw.destroyed) return;
      const more = raw.write(next.value, (err) => {
        if (!err) sent += size;
      });
      if (!more) return void raw.once('drain', pump);
    }
    raw.end(() => finish(rt, state, sent, false, answeredAt));
  };
  pump();
  return reply;
}

/** Kestrel's (ASP.NET Core's server) `MaxRequestLineSize`: 8 KiB. */
const MAX_REQUEST_LINE = 8 * 1024;

/** An error that carries the request problem it stands for, for the error handler. */
function problemError(problem: RequestProblem): Error {
  return Object.assign(new Error(problem.message), { statusCode: problem.status, problem });
}

/** The mock's own failure, in words that name nothing of it. */
const INTERNAL_ERROR = { status: 500, body: 'Internal server error' } as const satisfies ApiResponse;

/** What the HTTP parser's errors stand for (Node's `clientError`), as request problems. */
function headProblem(code: string | undefined): RequestProblem {
  if (code === 'HPE_HEADER_OVERFLOW') return { kind: 'head', status: 431, message: 'The request headers are too large.' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { kind: 'head', status: 408, message: 'The request was not received in time.' };
  return { kind: 'head', status: 400, message: 'The request can not be read.' };
}

/**
 * Answers a request the HTTP parser refused, on its socket (there is no request object): the
 * profile's answer to the problem, then the connection closes, as Node's own handler does.
 */
function answerOnSocket(error: NodeJS.ErrnoException, socket: Duplex, refuse: (problem: RequestProblem) => ApiResponse): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const problem = headProblem(error.code);
    let response: ApiResponse;
    try {
      response = refuse(problem);
    } catch {
      response = INTERNAL_ERROR;
    }
    const body = response.body === undefined ? '' : typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
    const headers: Record<string, string> = { ...response.headers, connection: 'close', 'content-length': String(Buffer.byteLength(body)) };
    if (body !== '' && !headers['content-type']) headers['content-type'] = typeof response.body === 'string' ? TEXT_TYPE : JSON_TYPE;
    const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    // Ended rather than destroyed at once: over TLS, a destroy would drop the answer unsent.
    socket.end(`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}\r\n${head}\r\n${body}`);
    socket.once('finish', () => socket.destroy());
    setTimeout(() => socket.destroy(), 1_000).unref();
    return;
  }
  socket.destroy(error);
}

/** The fastify errors a client's request can cause, as request problems. */
const FASTIFY_PROBLEMS: Readonly<Record<string, RequestProblem>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { kind: 'too-large', status: 413, message: 'The request body is larger than the mock takes.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { kind: 'malformed', status: 400, message: 'The request body does not match its Content-Length.' },
};

/**
 * The request problem an error stands for: the one it carries, a fastify error about the
 * request, any other client error as unreadable; `null` for the mock's own failure.
 */
function problemOf(error: unknown): RequestProblem | null {
  const e = error as { problem?: RequestProblem; code?: string; statusCode?: number };
  if (e.problem) return e.problem;
  const known = e.code === undefined ? undefined : FASTIFY_PROBLEMS[e.code];
  if (known) return known;
  const status = e.statusCode ?? 500;
  return status >= 400 && status < 500 ? { kind: 'malformed', status: 400, message: 'The request can not be read.' } : null;
}

/**
 * The methods the table declares for a URL's path (none when no path of it matches), matched
 * without regard to case as the routes are.
 */
function allowedMethods(endpoints: readonly Endpoint[]): (url: string) => string[] {
  const byPath = new Map<string, Set<string>>();
  for (const e of endpoints) {
    const methods = byPath.get(e.path) ?? new Set<string>();
    methods.add(e.method);
    byPath.set(e.path, methods);
  }
  const patterns = [...byPath].map(([path, methods]) => ({ pattern: pathPattern(path), methods }));
  return (url) => {
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const out = new Set<string>();
    for (const { pattern, methods } of patterns) if (pattern.test(path)) for (const m of methods) out.add(m);
    return [...out].sort();
  };
}

/**
 * The fastify transport: every endpoint of the table as a native fastify route (its
 * router is fast), case-insensitive as ASP.NET's, through the shared pipeline. No hook runs
 * per request: the entry is recorded when the answer is sent, and a client that gives up
 * early is noticed by one listener per connection.
 */
export async function createApiListener(
  rt: Runtime,
  endpoints: readonly Endpoint[],
  options: ApiListenerOptions,
): Promise<ApiListener> {
  // Set once `answer` exists; fastify takes the hook at construction.
  let onFrameworkError: (error: Error, request: FastifyRequest, reply: FastifyReply) => void = () => {};
  const headersTimeoutMs = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const maxJsonDepth = options.maxJsonDepth ?? MAX_JSON_DEPTH;
  const timeouts = httpTimeouts(headersTimeoutMs, requestTimeoutMs);
  const refuse = rt.profile.refusals?.invalidRequest ?? answerPlainly;
  const app = Fastify({
    // A client that never finishes its TLS handshake is dropped as one that never sends its headers.
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key, handshakeTimeout: headersTimeoutMs, ...timeouts } } : { http: timeouts }),
    logger: false,
    schemaController: NO_FASTIFY_SCHEMAS,
    // A path parameter as long as Kestrel's longest request line (8 KiB) is routed, so an id
    // that long gets the endpoint's own 404; a longer one is 414, as Kestrel answers it.
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: MAX_REQUEST_LINE },
    // A URL the router cannot read goes through the pipeline too: journaled, answered in words that quote nothing.
    frameworkErrors: (error, request, reply) => onFrameworkError(error, request, reply),
    // A head the parser refused (too large, too slow, not HTTP): the platform's answer, not fastify's JSON.
    clientErrorHandler: (error, socket) => answerOnSocket(error, socket, refuse),
    exposeHeadRoutes: false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // fastify sets the server's requestTimeout itself (0, none, unless given).
    requestTimeout: requestTimeoutMs,
    // Close keep-alive sockets at once on shutdown rather than waiting for clients.
    forceCloseConnections: true,
  });
  app.server.on(options.tls ? 'secureConnection' : 'connection', watchConnection);
  if (options.tls && options.refusePlainHttp) answerPlainHttpToo(app, timeouts);

  app.decorateRequest('goliveRawBody', undefined);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, text, done) => {
    // Bodies are taken as sent: an encoded one is refused unread rather than inflated, so a
    // small gzip that would inflate past the body limit costs nothing (RFC 9110 §15.5.16).
    const encoding = request.headers['content-encoding']?.trim().toLowerCase();
    if (encoding && encoding !== 'identity') {
      return done(problemError({ kind: 'encoding', status: 415, message: 'The request body must not be encoded (Content-Encoding: identity).', headers: { 'accept-encoding': 'identity' } }));
    }
    const raw = text as string;
    request.goliveRawBody = raw;
    const parsed = parseBody(request.headers['content-type'], raw, maxJsonDepth);
    if (parsed.ok) done(null, parsed.body);
    else done(problemError({ kind: 'malformed', status: 400, message: parsed.error }));
  });

  /** Answers through the pipeline; `override`, when given, replaces what it answered (an error, a 405). */
  const answer = async (request: FastifyRequest, reply: FastifyReply, endpoint: Endpoint | null, override?: ApiResponse) => {
    const socket = request.raw.socket;
    const state = { handled: null as Handled | null, rt, settled: false };
    pending.set(socket, state);
    // Only a connection that completed a TLS handshake is encrypted.
    const transport = (socket as Socket & { encrypted?: boolean }).encrypted ? 'https' : 'http';
    const refused = options.tls !== undefined && transport === 'http';
    const inboundRequest = inbound(request, options.name, transport);
    // Most requests are handled at once: waited for only when the pipeline has to wait.
    const handling = refused ? refusePlain(rt, endpoint, inboundRequest) : handle(rt, endpoint, inboundRequest);
    const handled = handling instanceof Promise ? await handling : handling;
    state.handled = handled;
    let response = handled.response;
    if (override !== undefined && !refused) {
      response = override;
      handled.entry.status = override.status;
    }
    if (response.socket) return playSocketFault(rt, state, request, reply, response.socket);
    if (socket.destroyed) {
      finish(rt, state, 0, true);
      return reply.hijack();
    }
    if (response.padding) return sendPadded(rt, state, socket, reply, response, response.padding);
    const body = payloadOf(response);
    reply.code(response.status);
    if (response.headers) reply.headers(response.headers);
    if (body !== undefined && !response.headers?.['content-type']) reply.type(typeof response.body === 'string' ? TEXT_TYPE : JSON_TYPE);
    // The moment of the answer is taken before it is written: the client cannot read it sooner. Taken
    // after, a pause of the process between the two (a collection: 35 ms seen in CI) made a client
    // that waited exactly Retry-After from its receipt seem to retry early.
    const answeredAt = performance.now();
    reply.send(body);
    // No hook runs on send, so the response is on its way now. Fastify has measured the
    // body for Content-Length: read that rather than scan a large body a second time.
    finish(rt, state, body === undefined ? 0 : Number(reply.getHeader('content-length') ?? Buffer.byteLength(body)), false, answeredAt);
    return reply;
  };

  for (const endpoint of endpoints) {
    app.route({ method: endpoint.method, url: toFastifyPath(endpoint.path), handler: (request, reply) => answer(request, reply, endpoint) });
  }
  const allowed = allowedMethods(endpoints);
  app.setNotFoundHandler((request, reply) => {
    // A path of the table with a method it does not declare: 405 with the methods it does (RFC 9110 §15.5.6).
    const methods = allowed(request.raw.url ?? '/');
    return answer(request, reply, null, methods.length > 0 ? { status: 405, headers: { allow: methods.join(', ') } } : undefined);
  });
  onFrameworkError = (error, request, reply) => {
    const tooLong = (error as { code?: string }).code === 'FST_ERR_MAX_PARAM_LENGTH';
    const problem: RequestProblem = tooLong
      ? { kind: 'url', status: 414, message: 'The request URL is too long.' }
      : { kind: 'url', status: 400, message: 'The request URL can not be read.' };
    void answerOrFail(request, reply, () => refuse(problem));
  };
  app.setErrorHandler((error, request, reply) => {
    const problem = problemOf(error);
    // A body that cannot be taken, in the platform's shape; anything else is the mock's own
    // failure, said in words that name nothing of it (never its message, stack or paths).
    return answerOrFail(request, reply, () => (problem ? refuse(problem) : INTERNAL_ERROR));
  });
  /**
   * `answer` with an override, for the error paths. Should the pipeline itself throw, it is not
   * run again: a bare 500 goes out, so fastify's default handler never quotes the exception.
   */
  const answerOrFail = async (request: FastifyRequest, reply: FastifyReply, override: () => ApiResponse) => {
    try {
      return await answer(request, reply, null, override());
    } catch {
      if (reply.sent || request.raw.socket.destroyed) return reply;
      return reply.code(500).type(TEXT_TYPE).send(INTERNAL_ERROR.body);
    }
  };

  if (options.onTls) {
    const onTls = options.onTls;
    app.server.on('secureConnection', () => onTls({ handshake: 'completed' }));
    app.server.on('tlsClientError', (err: NodeJS.ErrnoException) => onTls({ handshake: 'failed', error: err.code ?? err.message }));
  }
  await app.listen({ host: options.host, port: options.port, backlog: options.backlog ?? DEFAULT_BACKLOG });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    app,
    port,
    url: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    close: () => app.close(),
  };
}
