import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ApiResponse, Endpoint, HttpMethod } from '../handlers/endpoint.ts';
import { type InboundRequest, type Runtime, handle } from '../handlers/pipeline.ts';
import type { JournalEntry } from '../journal/journal.ts';
import { parseBody } from './http-parse.ts';
import type { KeyPair } from './tls.ts';

declare module 'fastify' {
  interface FastifyRequest {
    golive: { entry: JournalEntry | null; rawBody: string | undefined; recorded: boolean; release: (() => void) | null };
  }
}

export interface ApiListenerOptions {
  host: string;
  port: number;
  /** Serve HTTPS with this certificate; plain HTTP when absent. */
  tls?: KeyPair;
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

function send(reply: FastifyReply, response: ApiResponse): FastifyReply {
  reply.code(response.status);
  if (response.headers) reply.headers(response.headers);
  if (response.body === undefined) return reply.send();
  if (typeof response.body === 'string') {
    if (!response.headers?.['content-type']) reply.type('text/plain; charset=utf-8');
    return reply.send(response.body);
  }
  if (!response.headers?.['content-type']) reply.type('application/json; charset=utf-8');
  return reply.send(JSON.stringify(response.body));
}

function inbound(request: FastifyRequest, name: string): InboundRequest {
  const url = request.raw.url ?? '/';
  const q = url.indexOf('?');
  return {
    method: request.method as HttpMethod,
    path: q === -1 ? url : url.slice(0, q),
    params: (request.params ?? {}) as Record<string, string>,
    query: (request.query ?? {}) as Record<string, string | string[]>,
    headers: request.headers as Record<string, string | undefined>,
    body: request.body,
    rawBody: request.golive.rawBody,
    listener: name,
  };
}

function complete(rt: Runtime, request: FastifyRequest, reply: FastifyReply | null, aborted: boolean): void {
  const state = request.golive;
  state.release?.();
  state.release = null;
  const entry = state.entry;
  if (!entry || state.recorded) return;
  state.recorded = true;
  const now = performance.now();
  entry.latencyMs = Math.round((now - entry.mono) * 1000) / 1000;
  if (aborted) {
    entry.aborted = true;
    entry.abortedAtMono = now;
  }
  if (reply) entry.responseBytes = Number(reply.getHeader('content-length') ?? 0);
  rt.journal.record(entry);
}

/**
 * Faults that need the socket itself (issue: failure modes): a reset, a response that never
 * comes, a body cut short. The journal records when the client gave up.
 */
function playSocketFault(rt: Runtime, request: FastifyRequest, reply: FastifyReply, kind: 'reset' | 'hang' | 'truncated'): FastifyReply {
  reply.hijack();
  const raw = reply.raw;
  const socket = request.raw.socket;
  if (kind === 'reset') {
    complete(rt, request, null, false);
    // A TCP reset (RST), so the client sees ECONNRESET; under TLS, on the TCP socket beneath.
    const tcp = ((socket as { _parent?: Socket })._parent ?? socket) as Socket;
    if (typeof tcp.resetAndDestroy === 'function' && !tcp.destroyed) tcp.resetAndDestroy();
    else socket.destroy();
  } else if (kind === 'truncated') {
    const body = '{"result":[{"id":"ORD-1","status":"New"},{"id":"ORD-2","status":"New"}],"totalHits":2}';
    raw.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length) });
    raw.write(body.slice(0, body.length >> 1), () => {
      if (request.golive.entry) request.golive.entry.status = 200;
      complete(rt, request, null, false);
      socket.destroy();
    });
  } else {
    // Hang: answer nothing; the client's timeout (or our shutdown) closes the socket. The
    // response's 'close' fires then (the request's has fired already once its body was read).
    raw.once('close', () => complete(rt, request, null, true));
  }
  return reply;
}

/**
 * The fastify transport: every endpoint of the table as a native fastify route (its
 * router is fast), case-insensitive as ASP.NET's, through the shared pipeline.
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

  app.decorateRequest('golive', null as never);
  app.addHook('onRequest', (request, _reply, done) => {
    request.golive = { entry: null, rawBody: undefined, recorded: false, release: null };
    done();
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, text, done) => {
    const raw = text as string;
    request.golive.rawBody = raw;
    const parsed = parseBody(request.headers['content-type'], raw);
    if (parsed.ok) done(null, parsed.body);
    else done(Object.assign(new Error(parsed.error), { statusCode: 400 }));
  });

  const serve = (endpoint: Endpoint | null) => async (request: FastifyRequest, reply: FastifyReply) => {
    const { response, entry, release } = await handle(rt, endpoint, inbound(request, options.name));
    request.golive.entry = entry;
    request.golive.release = release;
    if (response.socket) return playSocketFault(rt, request, reply, response.socket);
    return send(reply, response);
  };
  for (const endpoint of endpoints) {
    app.route({ method: endpoint.method, url: toFastifyPath(endpoint.path), handler: serve(endpoint) });
  }
  app.setNotFoundHandler(serve(null));
  app.setErrorHandler(async (error, request, reply) => {
    // A body that does not parse: ASP.NET answers 400 with a message.
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    const { entry } = await handle(rt, null, inbound(request, options.name));
    entry.status = status;
    request.golive.entry = entry;
    return reply.code(status).type('text/plain; charset=utf-8').send(status === 500 ? 'Internal server error' : (error as Error).message);
  });
  app.addHook('onResponse', (request, reply, done) => {
    complete(rt, request, reply, false);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    complete(rt, request, null, true);
    done();
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
