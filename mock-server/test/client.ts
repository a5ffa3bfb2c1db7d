import { readFileSync } from 'node:fs';
import { type Agent as HttpAgent, request } from 'node:http';
import { Agent, fetch, type Response } from 'undici';

/** A fetch that trusts the mock's CA (never turning verification off). */
export function trustingFetch(caCertPath: string) {
  const dispatcher = new Agent({ connect: { ca: readFileSync(caCertPath, 'utf8') } });
  const call = (url: string, init: Parameters<typeof fetch>[1] = {}): Promise<Response> => fetch(url, { ...init, dispatcher });
  // destroy, not close: a test that left a body unread must not hold the suite up.
  return Object.assign(call, { close: () => dispatcher.destroy() });
}

/** A token by the documented query form, raw text answer. */
export async function tokenFor(
  call: ReturnType<typeof trustingFetch>,
  apiUrl: string,
  clientId: string,
  clientSecret: string,
): Promise<string> {
  const res = await call(`${apiUrl}/api/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', clientId, clientSecret }).toString(),
  });
  if (res.status !== 200) throw new Error(`token request answered ${res.status}`);
  return res.text();
}

/** The API's URL with `http://` instead of `https://`: the same host and port. */
export const plainUrl = (apiUrl: string, path: string): string => `${apiUrl.replace(/^https:/, 'http:')}${path}`;

/** One plain-HTTP exchange, with node:http, to an API that also answers it on its HTTPS port. */
export function plainRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; agent?: HttpAgent } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
