import { createServer as createHttpServer } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ApiResponse, Endpoint, HttpMethod } from '../handlers/endpoint.ts';
import { type Handled, type InboundRequest, type Runtime, handle, refusePlain } from '../handlers/pipeline.ts';
import { parseBody } from './http-parse.ts';
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
}

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

/** Completes the journal entry (latency, bytes, abort) and frees the rate-limit slot, once. */
function finish(rt: Runtime, state: { handled: Handled | null; settled: boolean }, bytes: number, aborted: boolean): void {
  if (state.settled || !state.handled) return;
  state.settled = true;
  const { entry, release } = state.handled;
  release();
  const now = performance.now();
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

/** The body as sent: a string as it is, anything else as JSON, `undefined` as no body. */
function payloadOf(response: ApiResponse): string | undefined {
  const body = response.body;
  return body === undefined || typeof body === 'string' ? body : JSON.stringify(body);
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
/** How long a connection may stay silent before its first byte: Node's own TLS handshake timeout. */
const FIRST_BYTE_TIMEOUT_MS = 120_000;

/**
 * Makes an HTTPS listener answer plain HTTP on its port as well. Each new connection waits
 * for its first byte: a TLS handshake (0x16) goes to the TLS server as before, anything else
 * to a plain HTTP server that routes into the same fastify instance (its documented
 * `routing`), where `answer` refuses it. The byte is read and put back (`unshift`), so
 * neither server misses it. Connections still silent, and the plain ones, are destroyed when
 * fastify closes (`forceCloseConnections`, as for the TLS ones).
 */
function answerPlainHttpToo(app: FastifyInstance): void {
  // fastify types its server as plain HTTP; with TLS it is an https.Server.
  const server = app.server as unknown as NetServer;
  const startTls = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  const plain = createHttpServer((req, res) => app.routing(req, res));
  // Connections still silent, and plain ones (a server that never listened tracks none of its own).
  const open = new Set<Socket>();
  let closing = false;

  server.on('connection', (socket: Socket) => {
    if (closing) return void socket.destroy();
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    // A reset before the first byte is the client's business: never an unhandled error.
    socket.on('error', () => socket.destroy());
    socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
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
  const app = Fastify({
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
    logger: false,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 1000 },
    exposeHeadRoutes: false,
    bodyLimit: 16 * 1024 * 1024,
    // Close keep-alive sockets at once on shutdown rather than waiting for clients.
    forceCloseConnections: true,
  });
  app.server.on(options.tls ? 'secureConnection' : 'connection', watchConnection);
  if (options.tls && options.refusePlainHttp) answerPlainHttpToo(app);

  app.decorateRequest('goliveRawBody', undefined);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, text, done) => {
    const raw = text as string;
    request.goliveRawBody = raw;
    const parsed = parseBody(request.headers['content-type'], raw);
    if (parsed.ok) done(null, parsed.body);
    else done(Object.assign(new Error(parsed.error), { statusCode: 400 }));
  });

  const answer = async (request: FastifyRequest, reply: FastifyReply, endpoint: Endpoint | null, status?: number, message?: string) => {
    const socket = request.raw.socket;
    const state = { handled: null as Handled | null, rt, settled: false };
    pending.set(socket, state);
    // Only a connection that completed a TLS handshake is encrypted.
    const transport = (socket as Socket & { encrypted?: boolean }).encrypted ? 'https' : 'http';
    const refused = options.tls !== undefined && transport === 'http';
    const inboundRequest = inbound(request, options.name, transport);
    const handled = refused ? await refusePlain(rt, endpoint, inboundRequest) : await handle(rt, endpoint, inboundRequest);
    state.handled = handled;
    let response = handled.response;
    if (status !== undefined && !refused) {
      response = { status, body: message };
      handled.entry.status = status;
    }
    if (response.socket) return playSocketFault(rt, state, request, reply, response.socket);
    if (socket.destroyed) {
      finish(rt, state, 0, true);
      return reply.hijack();
    }
    const body = payloadOf(response);
    reply.code(response.status);
    if (response.headers) reply.headers(response.headers);
    if (body !== undefined && !response.headers?.['content-type']) reply.type(typeof response.body === 'string' ? TEXT_TYPE : JSON_TYPE);
    reply.send(body);
    // No hook runs on send, so the response is on its way now. Fastify has measured the
    // body for Content-Length: read that rather than scan a large body a second time.
    finish(rt, state, body === undefined ? 0 : Number(reply.getHeader('content-length') ?? Buffer.byteLength(body)), false);
    return reply;
  };

  for (const endpoint of endpoints) {
    app.route({ method: endpoint.method, url: toFastifyPath(endpoint.path), handler: (request, reply) => answer(request, reply, endpoint) });
  }
  app.setNotFoundHandler((request, reply) => answer(request, reply, null));
  app.setErrorHandler((error, request, reply) => {
    // A body that does not parse: ASP.NET answers 400 with a message.
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    return answer(request, reply, null, status, status === 500 ? 'Internal server error' : (error as Error).message);
  });

  if (options.onTls) {
    const onTls = options.onTls;
    app.server.on('secureConnection', () => onTls({ handshake: 'completed' }));
    app.server.on('tlsClientError', (err: NodeJS.ErrnoException) => onTls({ handshake: 'failed', error: err.code ?? err.message }));
  }
  await app.listen({ host: options.host, port: options.port });
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
