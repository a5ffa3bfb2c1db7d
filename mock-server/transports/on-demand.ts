import { type Server, type Socket, createServer } from 'node:net';

/** A server made on demand, and how to close it. */
export interface MadeServer {
  /** The server handed every connection, as if it had accepted each itself. */
  server: Server;
  close(): Promise<void>;
}

/** A port bound now whose server is made when its first connection arrives. */
export interface OnDemandListener {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Binds `host:port` at once, so its URL is known, and calls `make` on the first connection
 * only: a listener that is rarely used (the bad-TLS ones, whose certificates and fastify apps
 * cost about a sixth of `golive serve`'s start) costs a bare socket until someone calls it.
 * Connections wait for the server (their first bytes stay buffered in the socket, which TLS
 * reads before its own) and are then handed to it. A `make` that fails drops them.
 *
 * @example
 * const lazy = await listenOnDemand({ host: '127.0.0.1', port: 0, protocol: 'https' }, makeServer);
 * console.log(lazy.url);
 */
export async function listenOnDemand(
  options: { host: string; port: number; protocol: 'http' | 'https' },
  make: () => Promise<MadeServer>,
): Promise<OnDemandListener> {
  let made: Promise<MadeServer> | null = null;
  let closing = false;
  // Every connection still open: the front's close waits for them all, handed over or not, and
  // one still in its TLS handshake is not the made server's to close.
  const open = new Set<Socket>();
  const front = createServer((socket) => {
    if (closing) return void socket.destroy();
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    // A reset while the server is being made is the client's business: never an unhandled error.
    socket.on('error', () => socket.destroy());
    made ??= make();
    made.then(
      ({ server }) => {
        if (!socket.destroyed) server.emit('connection', socket);
      },
      () => socket.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(options.port, options.host, () => {
      front.off('error', reject);
      resolve();
    });
  });
  const address = front.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `${options.protocol}://${host}:${port}`,
    port,
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve) => front.close(() => resolve()));
      if (made) await made.then((m) => m.close(), () => {});
      for (const socket of open) socket.destroy();
      await closed;
    },
  };
}
