/**
 * Two new Omneo profiles alike but for their ids (security-tests.md case 95): each is created as
 * `POST /api/v3/profiles` would (`profile.created`, the profile as made its context), then
 * awarded points and tagged a second later (`profile.updated`): a sync that takes a delivered
 * body for the profile's current state and gets the late `created` last keeps the old balance.
 */
import type { NewObject } from '../../handlers/profile.ts';
import type { OmneoData, ProfileRecord } from './domain/index.ts';
import { newProfile } from './endpoints/profiles.ts';
import { profileEventFields } from './events.ts';
import { omneoTime } from './laravel.ts';

/** The points the later change awards: enough to move a new member up any tier a CRM would draw. */
const AWARDED_POINTS = 1200;

export async function omneoTwins(db: OmneoData, _scope: unknown, times: { created: number; changed: number }): Promise<[NewObject, NewObject]> {
  const make = async (): Promise<NewObject> => {
    const made = await db.profiles.insert(newProfile(db, { first_name: 'Golive', last_name: 'Twin', tags: ['golive-twin'] }, omneoTime(times.created)));
    const created = profileEventFields(db, made, 'created');
    const changed = (await db.profiles.update(made.id, (draft) => {
      draft.point_balance += AWARDED_POINTS;
      // The mock's exchange rate: 100 points are worth a dollar.
      draft.point_balance_dollars = draft.point_balance / 100;
      draft.combined_balance_dollars = Math.round((draft.point_balance_dollars + draft.reward_balance) * 100) / 100;
      draft.tags.push('golive-touched');
      draft.updated_at = omneoTime(times.changed);
    })) as ProfileRecord;
    return { objectId: made.id, ids: [made.id], created, changed: profileEventFields(db, changed, 'updated') };
  };
  return [await make(), await make()];
}
