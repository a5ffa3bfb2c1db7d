import tls from 'node:tls';
/**
 * Waits until an integration is ready: a log line, an HTTP answer, a port that accepts
 * connections, or a plain delay.
 */
import http from 'node:http';
import https from 'node:https';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * When the integration counts as ready. `log`: a line matching the pattern; `url`: any HTTP
 * status from that URL; `port`: a TCP connection is accepted; `delayMs`: that long after start.
 */
export type ReadyWhen =
  | { log: string | RegExp }
  | { url: string; ca?: string }
  | { port: number; host?: string }
  | { delayMs: number };

/** Lines the process printed, as they come. */
export type LineSource = (listener: (text: string) => void) => () => void;

const PROBE_TIMEOUT_MS = 1_000;
const FIRST_RETRY_MS = 25;
const MAX_RETRY_MS = 250;

/** What is being waited for, in words, for the "not ready" message. */
export function describeReadyWhen(when: ReadyWhen): string {
  if ('log' in when) return `a log line matching ${String(when.log instanceof RegExp ? when.log : `/${when.log}/`)}`;
  if ('url' in when) return `an answer from ${when.url}`;
  if ('port' in when) return `a connection to ${when.host ?? '127.0.0.1'}:${when.port}`;
  return `${when.delayMs} ms to pass`;
}

/** Any HTTP answer from `url`; HTTPS verified against `ca` (the harness CA) besides the usual roots. */
function httpAnswers(url: string, ca?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const client = url.startsWith('https:') ? https : http;
    const req = client.get(url, { timeout: PROBE_TIMEOUT_MS, ...(ca ? { ca: [...tls.rootCertificates, ca] } : {}) }, (res) => {
      res.resume();
      resolve(true);
      req.destroy();
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function portAccepts(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host, timeout: PROBE_TIMEOUT_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => socket.destroy());
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

/** Retries `probe` with growing pauses until it succeeds or `signal` aborts. */
async function poll(probe: () => Promise<boolean>, signal: AbortSignal): Promise<void> {
  let pause = FIRST_RETRY_MS;
  while (!signal.aborted) {
    if (await probe()) return;
    await sleep(pause, undefined, { signal }).catch(() => undefined);
    pause = Math.min(pause * 2, MAX_RETRY_MS);
  }
}

/**
 * Resolves once `when` holds, or once `signal` aborts (it stops probing then); the caller
 * races it against exit and timeout and ignores a late resolution.
 */
export function waitUntilReady(when: ReadyWhen, lines: LineSource, signal: AbortSignal): Promise<void> {
  if ('log' in when) {
    const pattern = when.log instanceof RegExp ? when.log : new RegExp(when.log);
    return new Promise((resolve) => {
      const done = () => {
        unsubscribe();
        resolve();
      };
      const unsubscribe = lines((text) => {
        pattern.lastIndex = 0;
        if (pattern.test(text)) done();
      });
      signal.addEventListener('abort', done, { once: true });
    });
  }
  if ('url' in when) return poll(() => httpAnswers(when.url, when.ca), signal);
  if ('port' in when) return poll(() => portAccepts(when.port, when.host ?? '127.0.0.1'), signal);
  return sleep(when.delayMs, undefined, { signal }).catch(() => undefined);
}
