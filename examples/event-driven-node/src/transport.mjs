// One HTTP exchange with global fetch, under a deadline that covers the body too.
// Failures below HTTP are classified, because they are handled differently:
//   tls      the API's certificate is not trusted: a configuration (or attack) problem,
//            never retried, and nothing was sent (the handshake failed first);
//   timeout  no complete answer within REQUEST_TIMEOUT_MS: the request is aborted, which
//            closes its socket;
//   network  reset, refused, closed early.

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

export class TransportError extends Error {
  constructor(kind, detail) {
    super(`${kind}: ${detail}`);
    this.kind = kind;
    this.detail = detail;
  }
}

/** The innermost cause's code, e.g. ECONNRESET or CERT_HAS_EXPIRED. */
function codeOf(error) {
  let e = error;
  for (let depth = 0; e && depth < 5; depth++, e = e.cause) {
    if (typeof e.code === 'string' && e.code !== 'UND_ERR_SOCKET' && e.code !== 'ABORT_ERR') return e.code;
  }
  return error?.cause?.code ?? error?.cause?.message ?? error?.message ?? 'unknown';
}

/**
 * Sends one request. Resolves `{ status, headers, text }` for any HTTP answer; rejects
 * with a TransportError, or with the shutdown signal's reason when the process stops.
 */
export async function exchange(url, { method, headers, body }, { timeoutMs, signal }) {
  const deadline = AbortSignal.timeout(timeoutMs);
  const both = AbortSignal.any([deadline, signal]);
  try {
    const response = await fetch(url, { method, headers, body, signal: both, redirect: 'manual' });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (deadline.aborted) throw new TransportError('timeout', `no complete answer within ${timeoutMs} ms`);
    const code = codeOf(error);
    if (TLS_CODES.has(code)) throw new TransportError('tls', code);
    throw new TransportError('network', code);
  }
}
