/**
 * `/api/v3/profiles/{id}/identities[/{handle}]`: a profile's ids in other systems (omnium-api.md
 * B4, C2). A handle names at most one identity of a profile, and a handle and identifier at
 * most one identity of the tenant, so that `search-id` and `identity[handle]` find one profile.
 */
import { z } from 'zod';
import { defineEndpoint, type ApiRequest, type Endpoint, type ResolverContext } from '../../../handlers/endpoint.ts';
import { identitiesOf, identityKey, identitySchema, liveProfile, type Identity, type OmneoData, type ProfileRecord } from '../domain/index.ts';
import { bodyOf, data, dataSchema, invalid, noContent, notFound, omneoTime, rules, sometimes, validate, type Rule, type RuleSet } from '../laravel.ts';

type Ctx = ResolverContext<OmneoData>;

const IDENTITIES = '/api/v3/profiles/{id}/identities';
const TAG = 'Identities';

export const HANDLE_TAKEN = 'The handle has already been taken.';
export const IDENTIFIER_TAKEN = 'The identifier has already been taken.';

/** A string or a number: Shopify customer ids often travel as JSON numbers. */
const stringOrNumber: Rule = {
  passes: (v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)),
  message: 'The :attribute must be a string.',
};

const IDENTITY_RULES: RuleSet = {
  handle: [rules.required, rules.string, rules.max(255)],
  identifier: [rules.required, stringOrNumber, rules.max(255)],
  is_primary: [rules.boolean],
  is_active: [rules.boolean],
};

const identityWrite = {
  identifier: z.union([z.string(), z.number()]),
  is_primary: z.boolean().optional(),
  is_active: z.boolean().optional(),
};
const createRequest = z.object({ handle: z.string(), ...identityWrite }).meta({ id: 'OmneoIdentityRequest' });
const updateRequest = z.object({ ...identityWrite, identifier: identityWrite.identifier.optional() }).meta({ id: 'OmneoIdentityUpdateRequest' });
const identityData = dataSchema(identitySchema);

/** Laravel's `boolean` values, as a boolean. */
const asBoolean = (v: unknown): boolean => v === true || v === 1 || v === '1';

/** The profile's identity of this handle. */
const identityOf = (db: OmneoData, profileId: string, handle: string): Identity | undefined =>
  identitiesOf(db, profileId).find((i) => i.handle === handle);

/** The live profile of the path, or `undefined`. */
const pathProfile = (req: ApiRequest, ctx: Ctx): ProfileRecord | undefined => liveProfile(ctx.db, req.params.id ?? '');

/** Rule errors, then the uniqueness of the handle (on the profile) and of the handle and identifier (in the tenant). */
function identityErrors(db: OmneoData, profileId: string, body: Record<string, unknown>, ruleSet: RuleSet, self?: Identity): Record<string, string[]> {
  const errors = validate(body, ruleSet);
  const handle = self?.handle ?? (body.handle as string);
  if (!self && !errors.handle && identityOf(db, profileId, handle)) errors.handle = [HANDLE_TAKEN];
  if (!errors.handle && !errors.identifier && body.identifier !== undefined) {
    const holder = db.identities.get(identityKey(handle, String(body.identifier)));
    if (holder !== undefined && holder.id !== self?.id) errors.identifier = [IDENTIFIER_TAKEN];
  }
  return errors;
}

const hasErrors = (errors: Record<string, string[]>): boolean => Object.keys(errors).length > 0;

/** Leaves `keep` the profile's only primary identity. */
async function demoteOthers(db: OmneoData, profileId: string, keep: number): Promise<void> {
  for (const other of identitiesOf(db, profileId)) {
    if (other.id === keep || !other.is_primary) continue;
    await db.identities.update(String(other.id), (draft) => {
      draft.is_primary = false;
    });
  }
}

/**
 * A new identity from a valid body. `is_primary` defaults to true for a profile's first
 * identity only (the mock's choice: Omneo's default is not published), `is_active` to true.
 */
function newIdentity(ctx: Ctx, profileId: string, body: Record<string, unknown>): Identity {
  const at = omneoTime(ctx.now().getTime());
  return {
    id: ctx.db.nextIdentityId(),
    profile_id: profileId,
    handle: body.handle as string,
    identifier: String(body.identifier),
    is_primary: 'is_primary' in body ? asBoolean(body.is_primary) : identitiesOf(ctx.db, profileId).length === 0,
    is_active: 'is_active' in body ? asBoolean(body.is_active) : true,
    merged_from: null,
    created_at: at,
    updated_at: at,
  };
}

const listEndpoint = defineEndpoint<OmneoData>({
  id: 'Identities_List',
  method: 'GET',
  path: IDENTITIES,
  role: 'read-profiles',
  tag: TAG,
  summary: "A profile's identities (not paginated)",
  request: {},
  response: dataSchema(z.array(identitySchema)),
  resolve: (req, ctx) => {
    const profile = pathProfile(req, ctx);
    return profile ? data(identitiesOf(ctx.db, profile.id)) : notFound();
  },
});

const createEndpoint = defineEndpoint<OmneoData>({
  id: 'Identities_Create',
  method: 'POST',
  path: IDENTITIES,
  role: 'update-profiles',
  tag: TAG,
  summary: 'Add an identity {handle, identifier, is_primary?, is_active?} to a profile',
  request: { body: createRequest },
  response: identityData,
  okStatus: 201,
  resolve: async (req, ctx) => {
    const profile = pathProfile(req, ctx);
    if (profile === undefined) return notFound();
    const body = bodyOf(req);
    const errors = identityErrors(ctx.db, profile.id, body, IDENTITY_RULES);
    if (hasErrors(errors)) return invalid(errors);
    const stored = await ctx.db.identities.insert(newIdentity(ctx, profile.id, body));
    if (stored.is_primary) await demoteOthers(ctx.db, profile.id, stored.id);
    ctx.emit({ className: 'identity', objectId: String(stored.id), trigger: 'identity.created', status: 'created', context: stored });
    return data(stored, 201);
  },
});

const getEndpoint = defineEndpoint<OmneoData>({
  id: 'Identities_Get',
  method: 'GET',
  path: `${IDENTITIES}/{handle}`,
  role: 'read-profiles',
  tag: TAG,
  summary: "A profile's identity of one handle",
  request: {},
  response: identityData,
  resolve: (req, ctx) => {
    const profile = pathProfile(req, ctx);
    const identity = profile && identityOf(ctx.db, profile.id, req.params.handle ?? '');
    return identity ? data(identity) : notFound();
  },
});

/** The identity with the fields `body` sends (identifier, is_primary, is_active), `updated_at` now. */
function updatedIdentity(current: Identity, body: Record<string, unknown>, at: string): Identity {
  return {
    ...current,
    ...(body.identifier !== undefined ? { identifier: String(body.identifier) } : {}),
    ...('is_primary' in body ? { is_primary: asBoolean(body.is_primary) } : {}),
    ...('is_active' in body ? { is_active: asBoolean(body.is_active) } : {}),
    updated_at: at,
  };
}

const updateEndpoint = defineEndpoint<OmneoData>({
  id: 'Identities_Update',
  method: 'PUT',
  path: `${IDENTITIES}/{handle}`,
  role: 'update-profiles',
  tag: TAG,
  summary: "Change a profile's identity of one handle (identifier, is_primary, is_active)",
  request: { body: updateRequest },
  response: identityData,
  resolve: async (req, ctx) => {
    const profile = pathProfile(req, ctx);
    const current = profile && identityOf(ctx.db, profile.id, req.params.handle ?? '');
    if (!profile || !current) return notFound();
    const body = bodyOf(req);
    const { handle: _path, ...updatable } = IDENTITY_RULES;
    const errors = identityErrors(ctx.db, profile.id, body, sometimes(updatable, body), current);
    if (hasErrors(errors)) return invalid(errors);
    const stored = (await ctx.db.identities.replace(String(current.id), updatedIdentity(current, body, omneoTime(ctx.now().getTime())))) as Identity;
    if (stored.is_primary) await demoteOthers(ctx.db, profile.id, stored.id);
    return data(stored);
  },
});

const deleteEndpoint = defineEndpoint<OmneoData>({
  id: 'Identities_Delete',
  method: 'DELETE',
  path: `${IDENTITIES}/{handle}`,
  role: 'update-profiles',
  tag: TAG,
  summary: "Remove a profile's identity of one handle",
  request: {},
  response: null,
  okStatus: 204,
  resolve: (req, ctx) => {
    const profile = pathProfile(req, ctx);
    const identity = profile && identityOf(ctx.db, profile.id, req.params.handle ?? '');
    if (!identity) return notFound();
    ctx.db.identities.remove(String(identity.id));
    return noContent();
  },
});

/** The identity endpoints of C2. */
export const identityEndpoints: readonly Endpoint<OmneoData>[] = [listEndpoint, createEndpoint, getEndpoint, updateEndpoint, deleteEndpoint];
