// The endpoint Omnium's event subscription posts to: HTTPS only, Bearer token checked in
// constant time, 202 at once, each event id handled once.
//
// Events:
//   'event'      (delivery)  a new event: { event, receivedAt, work }. A listener may set
//                            `delivery.work` to the promise of the work it scheduled.
//   'duplicate'  (event)     an event id seen before; answered 202, nothing done
//   'refused'    (reason)    401 sent (no or wrong token)
//   'rejected'   (reason)    400 sent (not an event)

import { createHash, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createPlainServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { sleep } from './timing.mjs';

const BODY_LIMIT = 256 * 1024;
const SEEN_LIMIT = 20_000;
const SLOW_ANSWER_MS = 15_000; // break switch webhooks.responds-in-time only

const digest = (text) => createHash('sha256').update(text, 'utf8').digest();

export class WebhookReceiver extends EventEmitter {
  #settings;
  #signal;
  #server;
  #expected; // SHA-256 of "Bearer <token>": equal lengths for timingSafeEqual, whatever is sent
  #seen = new Set(); // event ids, oldest first
  #tls;

  constructor(settings, signal) {
    super();
    this.#settings = settings;
    this.#signal = signal;
    const { token, certFile, keyFile } = settings.webhook;
    this.#expected = digest(`Bearer ${token}`);
    const handler = (req, res) => this.#handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
    // BREAK: webhooks.https -- plain HTTP: the certificate and key handed over are ignored.
    this.#tls = !settings.broken('webhooks.https');
    this.#server = this.#tls
      ? createTlsServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, handler)
      : createPlainServer(handler);
  }

  /** Listens on 127.0.0.1; resolves the URL deliveries must use. */
  listen() {
    const { port, path } = this.#settings.webhook;
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => resolve(`${this.#tls ? 'https' : 'http'}://127.0.0.1:${this.#server.address().port}${path}`));
    });
  }

  close() {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #authorised(header) {
    // Hash both sides first: same length for timingSafeEqual, and the comparison time says
    // nothing about the token's length or content.
    return typeof header === 'string' && timingSafeEqual(digest(header.trim().replace(/^bearer\s+/i, 'Bearer ')), this.#expected);
  }

  /** True the first time an event id is seen. */
  #firstSighting(id) {
    if (this.#seen.has(id)) return false;
    this.#seen.add(id);
    if (this.#seen.size > SEEN_LIMIT) this.#seen.delete(this.#seen.values().next().value);
    return true;
  }

  async #handle(req, res) {
    const receivedAt = Date.now();
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    if (url.pathname !== this.#settings.webhook.path) return void res.writeHead(404).end();
    if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end();
    if (!this.#authorised(req.headers.authorization)) {
      req.resume();
      this.emit('refused', req.headers.authorization ? 'wrong Authorization' : 'no Authorization');
      return void res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
    }

    let event;
    try {
      event = JSON.parse(await readBody(req));
    } catch (error) {
      this.emit('rejected', error.message);
      return void res.writeHead(400).end();
    }
    const id = event?.id;
    if ((typeof id !== 'string' && typeof id !== 'number') || id === '') {
      this.emit('rejected', 'no event id');
      return void res.writeHead(400).end();
    }

    if (!this.#firstSighting(String(id))) {
      this.emit('duplicate', event);
      return void res.writeHead(202).end();
    }
    const delivery = { event, receivedAt, work: undefined };
    this.emit('event', delivery);
    if (this.#settings.broken('webhooks.responds-in-time')) {
      // BREAK: webhooks.responds-in-time -- the whole job (order fetch, reservation) is
      // awaited before answering, and the answer waits until 15 s after arrival.
      await delivery.work;
      await sleep(SLOW_ANSWER_MS - (Date.now() - receivedAt), this.#signal).catch(() => {});
    }
    res.writeHead(202).end();
  }
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const parts = [];
    let size = 0;
    req.on('data', (part) => {
      size += part.length;
      if (size > BODY_LIMIT) req.destroy(new Error('body too large'));
      else parts.push(part);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}
