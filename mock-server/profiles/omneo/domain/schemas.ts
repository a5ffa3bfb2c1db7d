/**
 * The entities of the simulated Omneo tenant, with Omneo's own field names
 * (omnium-api.md B4; `@omneo/omneo-sdk` `types/profile.ts`, `types/identities.ts`).
 * A profile is stored without its identities: they live in their own table and are
 * joined in when a profile is shown, as Laravel loads a relation. Webhooks (`types/webhooks.ts`)
 * are the tenant's subscriptions, made through `/api/v3/webhooks`.
 */
import { z } from 'zod';

/** Laravel's timestamp format: `YYYY-MM-DD HH:mm:ss`, in UTC. */
export const timestampSchema = z.string().regex(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

const text = z.string().nullable();

export const GENDERS = ['male', 'female', 'withheld', 'other'] as const;

export const PROFILE_TYPES = ['temporary', 'dependant', 'incomplete', 'pending', 'system', 'active', 'deleted'] as const;

export type ProfileType = (typeof PROFILE_TYPES)[number];

/** An identity: the profile's id in another system (`shopify`, `magento_id`, `email`…). */
export const identitySchema = z
  .object({
    id: z.number().int().positive(),
    profile_id: z.uuid(),
    handle: z.string().min(1),
    identifier: z.string().min(1),
    is_primary: z.boolean(),
    is_active: z.boolean(),
    /** The profile this identity came from in a merge. */
    merged_from: text,
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'OmneoIdentity' });

export type Identity = z.infer<typeof identitySchema>;

/** `attributes.comms`: the subscription flags the SDK's `isSubscribed` reads, per channel. */
export const commsSchema = z.looseObject({
  profile_id: z.uuid(),
  email_optout: z.boolean().nullable(),
  email_promo: z.boolean().nullable(),
  email_bounced: z.boolean().nullable(),
  sms_optout: z.boolean().nullable(),
  sms_promo: z.boolean().nullable(),
  sms_bounced: z.boolean().nullable(),
  push_optout: z.boolean().nullable(),
  push_promo: z.boolean().nullable(),
  phone_optout: z.boolean().nullable(),
  phone_promo: z.boolean().nullable(),
  post_optout: z.boolean().nullable(),
  post_promo: z.boolean().nullable(),
  created_at: timestampSchema,
  updated_at: timestampSchema,
});

export type Comms = z.infer<typeof commsSchema>;

const profileShape = {
  id: z.uuid(),
  title: text,
  first_name: z.string(),
  last_name: text,
  full_name: text,
  email: text,
  gender: z.enum(GENDERS).nullable(),
  currency: text,
  joined_at: timestampSchema.nullable(),
  /** E.164, e.g. `+61412345678`. */
  mobile_phone: text,
  /** The country calling code of `mobile_phone` (61 for Australia). */
  mobile_phone_country: z.number().int().nullable(),
  mobile_phone_national: text,
  mobile_phone_e164: text,
  secondary_phone: text,
  birth_day: z.number().int().nullable(),
  birth_month: z.number().int().nullable(),
  birth_year: z.number().int().nullable(),
  /** `YYYY-MM-DD` when day, month and year are all known. */
  birth_date: text,
  company: text,
  occupation: text,
  avatar_url: text,
  preferred_location_id: z.number().int().nullable(),
  joined_location_id: z.number().int().nullable(),
  tier_handle: text,
  tags: z.array(z.string()),
  statuses: z.array(z.string()),
  custom_fields: z.record(z.string(), z.unknown()),
  attributes: z.looseObject({ comms: commsSchema }),
  reward_balance: z.number(),
  point_balance: z.number(),
  point_balance_dollars: z.number(),
  combined_balance_dollars: z.number(),
  profile_type: z.enum(PROFILE_TYPES),
  is_completed: z.boolean(),
  created_at: timestampSchema,
  updated_at: timestampSchema,
  /** Set by a soft delete (`DELETE /profiles/{id}`), with `profile_type: 'deleted'`. */
  deleted_at: timestampSchema.nullable(),
};

/** A profile as stored: no identities, no `external_id` (both come from the identities table). */
export const profileRecordSchema = z.object(profileShape);

export type ProfileRecord = z.infer<typeof profileRecordSchema>;

/** A profile as the API shows it. */
export const profileSchema = z
  .object({
    ...profileShape,
    /** The primary identity's identifier (read-only), `null` without one. */
    external_id: text,
    identities: z.array(identitySchema),
  })
  .meta({ id: 'OmneoProfile' });

export type Profile = z.infer<typeof profileSchema>;

/** A webhook's delivery priority (the SDK's `WebhookQueueType`). */
export const WEBHOOK_QUEUES = ['low', 'default', 'high'] as const;

export type WebhookQueue = (typeof WEBHOOK_QUEUES)[number];

/** A webhook: one trigger delivered to one URL, owned by the integration its `namespace` names. */
export const webhookSchema = z
  .object({
    id: z.number().int().positive(),
    /** The event it fires on, e.g. `profile.updated`. */
    trigger: z.string().min(1),
    url: z.string().min(1),
    /** The integration that owns it: events its own token causes are not delivered back to it. */
    namespace: z.string().min(1),
    /** The machine user whose token made it. */
    user_id: z.number().int().nonnegative(),
    is_active: z.boolean(),
    retry_daily: z.boolean().nullable(),
    retry_hourly: z.boolean(),
    queue: z.enum(WEBHOOK_QUEUES).nullable(),
    /** A JSON Logic rule over the event context: the webhook fires only when it is true. */
    condition: z.record(z.string(), z.unknown()).nullable(),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'OmneoWebhook' });

export type Webhook = z.infer<typeof webhookSchema>;

/** The fields a profile computes from others, recomputed on every write. */
export type DerivedFields = Pick<
  ProfileRecord,
  'full_name' | 'mobile_phone_country' | 'mobile_phone_national' | 'mobile_phone_e164' | 'birth_date' | 'is_completed'
>;

/** The ITU calling codes of one and two digits; every other code has three (they are prefix-free). */
const SHORT_CALLING_CODES = new Set([
  '1', '7', '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49',
  '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66', '81', '82', '84', '86',
  '90', '91', '92', '93', '94', '95', '98',
]);

/** The calling code and national number of an E.164 number (`+61412345678` → 61, `412345678`). */
export function splitPhone(e164: string): { country: number; national: string } | null {
  const digits = /^\+(\d{7,15})$/.exec(e164)?.[1];
  if (digits === undefined) return null;
  const length = [1, 2].find((n) => SHORT_CALLING_CODES.has(digits.slice(0, n))) ?? 3;
  return { country: Number(digits.slice(0, length)), national: digits.slice(length) };
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * The derived fields of a profile from its own: full name, phone parts, birth date, and
 * `is_completed` (the mock's rule: first name, last name and email all known; Omneo's
 * depends on tenant settings it does not publish).
 */
export function deriveFields(p: Pick<ProfileRecord, 'first_name' | 'last_name' | 'email' | 'mobile_phone' | 'birth_day' | 'birth_month' | 'birth_year'>): DerivedFields {
  const phone = p.mobile_phone ? splitPhone(p.mobile_phone) : null;
  const born = p.birth_year !== null && p.birth_month !== null && p.birth_day !== null;
  return {
    full_name: [p.first_name, p.last_name].filter((n) => n).join(' ') || null,
    mobile_phone_country: phone?.country ?? null,
    mobile_phone_national: phone?.national ?? null,
    mobile_phone_e164: phone ? p.mobile_phone : null,
    birth_date: born ? `${p.birth_year}-${pad2(p.birth_month as number)}-${pad2(p.birth_day as number)}` : null,
    is_completed: Boolean(p.first_name && p.last_name && p.email),
  };
}
