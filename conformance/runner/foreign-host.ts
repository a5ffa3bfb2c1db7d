import { type IncomingMessage, type Server, type ServerResponse, createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ForeignHostObservations, ForeignRequest } from '../checks/observations.ts';
import { type SecretScanner, maskSecret } from '../observe/secrets.ts';

/** Requests kept; a client stuck in a loop of them is counted, not kept. */
const MAX_RECORDS = 100;
/** Bytes of a request body read and scanned; the rest is drained unread. */
const MAX_BODY_BYTES = 64 * 1024;
/** Headers that carry credentials whatever their value: reported (masked) even when no secret golive knows is in them. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization'] as const;

/**
 * A listener at an origin of its own (loopback, its own port): where the harness redirects one of
 * the integration's API calls, to see what a client that follows takes along. It answers every
 * request with a harmless 404 and records it: method, path (secrets masked), and the credentials
 * it carried, masked. Nothing is kept in clear.
 */
export interface ForeignHost {
  /** `https://127.0.0.1:PORT` (`http://` without TLS). */
  readonly origin: string;
  observations(): ForeignHostObservations;
  close(): Promise<void>;
}

export interface ForeignHostOptions {
  /** The certificate the API's listeners present (the harness CA's, trusted by the integration); `null`: plain HTTP. */
  tls: { cert: string; key: string } | null;
  /** Recognises the run's secrets (every token issued, client and webhook secrets). */
  scanner: SecretScanner;
  /** The platform's credential header besides `Authorization` (`x-api-key`), in lower case. */
  credentialHeader?: string;
}

/** A header value as shown: its scheme kept (`Bearer`, `Basic`), the credential after it masked. */
export function maskedHeader(value: string): string {
  const [, scheme, rest] = /^([A-Za-z][\w.+-]*)\s+(.+)$/s.exec(value.trim()) ?? [];
  return scheme && rest ? `${scheme} ${maskSecret(rest)}` : maskSecret(value.trim());
}

/** What one request to the foreign host carried: credential headers and known secrets, all masked. */
export function recordRequest(
  request: { method: string; url: string; headers: Readonly<Record<string, string | string[] | undefined>>; body: string },
  scanner: SecretScanner,
  credentialHeaders: readonly string[],
  mono: number,
): ForeignRequest {
  type Credential = ForeignRequest['credentials'][number];
  const headers: ForeignRequest['headers'][number][] = [];
  const credentials: Credential[] = [];
  const found = (where: Credential['where'], text: string, name?: string) => {
    for (const hit of scanner.scan(text)) {
      if (!credentials.some((c) => c.masked === hit.masked && c.where === where && c.name === name)) {
        credentials.push({ kind: hit.kind, where, masked: hit.masked, ...(name ? { name } : {}) });
      }
    }
  };
  for (const [name, raw] of Object.entries(request.headers)) {
    if (raw === undefined) continue;
    const value = [raw].flat().join(', ');
    if (credentialHeaders.includes(name)) headers.push({ name, masked: maskedHeader(value) });
    found('header', value, name);
  }
  found('url', request.url);
  if (request.body) found('body', request.body);
  return { mono, method: request.method, path: scanner.mask(request.url), headers, credentials };
}

/** Starts the foreign host on 127.0.0.1, on a port the OS chooses. */
export async function createForeignHost(options: ForeignHostOptions): Promise<ForeignHost> {
  const requests: ForeignRequest[] = [];
  let dropped = 0;
  const credentialHeaders = [...new Set([...CREDENTIAL_HEADERS, ...(options.credentialHeader ? [options.credentialHeader.toLowerCase()] : [])])];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const mono = performance.now();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size < MAX_BODY_BYTES) chunks.push(chunk);
      size += chunk.length;
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
      const record = recordRequest({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body }, options.scanner, credentialHeaders, mono);
      if (requests.length < MAX_RECORDS) requests.push(record);
      else dropped++;
      const answer = JSON.stringify({ message: 'Not found.' });
      res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
    });
    req.on('error', () => res.destroy());
  };
  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handle) : createHttpServer(handle);
  // Only loopback, whatever the mock was told.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    origin,
    observations: () => ({ origin, requests: [...requests], dropped }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
