import { readFileSync } from 'node:fs';
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
