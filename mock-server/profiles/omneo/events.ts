/**
 * Omneo's webhooks (omnium-api.md B5, C2 "Outbound webhooks"): a profile's change is POSTed as
 * its event context (the profile, with `flattened_tags` and `flattened_statuses`), with
 * `X-Omneo-Event: <trigger>`; the signature (`X-Omneo-Hmac-SHA256`) is the engine's
 * `hmac-sha256-hex` signing. Changes a token makes are not delivered back to it (namespaces).
 */
import { GoliveError } from '../../../errors.ts';
import type { DomainEvent, EventFields } from '../../domain/events.ts';
import type { EventSpec, ProfileEvents, UnknownEventShape } from '../../handlers/profile.ts';
import { type OmneoData, type ProfileRecord, identitiesOf, isDeleted, liveProfile, showProfile } from './domain/index.ts';
import { activeWebhooks, machineUserId } from './endpoints/webhooks.ts';
import { omneoTime } from './laravel.ts';

/** The header Omneo signs deliveries in. */
export const OMNEO_SIGNATURE_HEADER = 'X-Omneo-Hmac-SHA256';

/**
 * A profile's event context. The SDK's `ProfileWebhook` type names `flattened_tags` and
 * `flattened_statuses` but no public example shows their values (unconfirmed): golive sends
 * the handles as arrays of strings.
 */
export function profileContext(db: OmneoData, p: ProfileRecord): Record<string, unknown> {
  return { ...showProfile(db, p), flattened_tags: [...p.tags], flattened_statuses: [...p.statuses] };
}

/** The fields of a `profile.<action>` event: what the engine routes on, the trigger, and the context it is delivered as. */
export function profileEventFields(db: OmneoData, p: ProfileRecord, action: 'created' | 'updated' | 'deleted'): EventFields {
  return { className: 'profile', objectId: p.id, trigger: `profile.${action}`, status: action, context: profileContext(db, p) };
}

/** What the certify run's change does to a profile: marks it as seen by the loyalty programme, as a staff member's edit would. */
async function change(db: OmneoData, spec: EventSpec, _scope: unknown, now: number): Promise<EventFields> {
  if (spec.className !== 'profile') throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', `className: the mock can change "profile" objects only, not "${spec.className}"`);
  const profile = spec.objectId ? liveProfile(db, spec.objectId) : db.profiles.all().find((p) => !isDeleted(p));
  if (!profile) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', spec.objectId ? `no profile ${spec.objectId}` : 'no profile to change');
  const at = omneoTime(now);
  const tag = 'golive-touched';
  const stored = (await db.profiles.update(profile.id, (draft) => {
    if (!draft.tags.includes(tag)) draft.tags.push(tag);
    draft.updated_at = at;
  })) as ProfileRecord;
  return profileEventFields(db, stored, 'updated');
}

/**
 * A trigger Omneo does not define, sent as a profile event would be (the profile as its body,
 * signed): a receiver that routes on `X-Omneo-Event` leaves it alone; one that takes every
 * delivery for a profile change syncs the profile again.
 */
const unknown: UnknownEventShape = {
  label: 'X-Omneo-Event: golive.unknown',
  fields: (about) => ({ className: 'golive', objectId: about.objectId, trigger: 'golive.unknown', status: 'unknown', ...(about.context === undefined ? {} : { context: about.context }) }),
};

export const omneoEvents: ProfileEvents<OmneoData> = {
  classNames: ['profile', 'identity'],
  sample: { className: 'profile', status: 'updated' },
  change,
  /** A profile event's work may change the profile and its identities. */
  footprint(db, id) {
    return [`profiles ${id}`, ...identitiesOf(db, id).map((i) => `identities ${i.id}`)];
  },
  /** Another live profile (the first, for a repeatable run), delivered as its own context. */
  another(db, id) {
    const other = db.profiles.all().find((p) => p.id !== id && !isDeleted(p));
    return other ? { objectId: other.id, context: profileContext(db, other) } : undefined;
  },
  unknown,
  wire: {
    body: (event: DomainEvent) => event.context ?? { id: event.objectId },
    headers: (event: DomainEvent): Record<string, string> => (typeof event.trigger === 'string' ? { 'X-Omneo-Event': event.trigger } : {}),
  },
  notBackToCauser: true,
  /**
   * The webhooks registered through `/api/v3/webhooks` for the event's trigger, signed with the
   * tenant's secret; not the ones the machine user whose call raised the event made (Omneo keeps
   * a namespace's own changes from it; golive reads the namespace as the token's machine user).
   * `condition` (JSON Logic) is not evaluated: every active webhook of the trigger gets it.
   */
  registrations(db, event) {
    if (typeof event.trigger !== 'string') return [];
    const causer = typeof event.userId === 'string' ? machineUserId(event.userId) : null;
    return activeWebhooks(db, event.trigger)
      .filter((w) => w.user_id !== causer)
      .map((w) => ({ id: `webhook-${w.id}`, url: w.url, signing: { type: 'hmac-sha256-hex', header: OMNEO_SIGNATURE_HEADER, secret: db.auth.webhookSecret } }));
  },
};
