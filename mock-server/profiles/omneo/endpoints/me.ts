/**
 * `GET /id/api/v1/profiles/me` (omnium-api.md B2 method 3, C2): the profile an Omneo ID token
 * speaks for (`ctx.subject`, its `pid`). An anonymous token (`pid` "null") has none: 404.
 */
import { defineEndpoint, type Endpoint } from '../../../handlers/endpoint.ts';
import { liveProfile, profileSchema, showProfile, type OmneoData } from '../domain/index.ts';
import { data, dataSchema, notFound } from '../laravel.ts';

/** `pid` of an anonymous ID token: the string, as Omneo writes it. */
const ANONYMOUS = 'null';

const meEndpoint = defineEndpoint<OmneoData>({
  id: 'Id_ProfilesMe',
  method: 'GET',
  path: '/id/api/v1/profiles/me',
  role: 'id-profile',
  credential: 'id', // an ID token, not a server token
  tag: 'Omneo ID',
  summary: "The ID token's own profile",
  request: {},
  response: dataSchema(profileSchema),
  resolve: (_req, ctx) => {
    const pid = ctx.subject;
    const profile = pid === null || pid === ANONYMOUS ? undefined : liveProfile(ctx.db, pid);
    return profile ? data(showProfile(ctx.db, profile)) : notFound();
  },
});

export const meEndpoints: readonly Endpoint<OmneoData>[] = [meEndpoint];
