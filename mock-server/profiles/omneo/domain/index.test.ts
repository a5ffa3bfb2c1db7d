import { describe, expect, it } from 'vitest';
import { TEST_NOW, testData } from '../test/context.ts';
import { FIRST_PROFILE, createOmneoData, identitiesOf, identityKey, isDeleted, profileByIdentity, showProfile, splitPhone } from './index.ts';

const TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('createOmneoData', () => {
  it('gives the same snapshot, to the byte, for the same seed', async () => {
    const [a, b] = await Promise.all([testData(), testData()]);
    expect(JSON.stringify(a.snapshot())).toBe(JSON.stringify(b.snapshot()));
  });

  it('gives different profiles for a different seed, but the same first profile', async () => {
    const [a, b] = await Promise.all([testData(), testData({ seed: 2 })]);
    expect(a.snapshot().profiles).not.toEqual(b.snapshot().profiles);
    expect(a.profiles.get(FIRST_PROFILE.id)).toEqual(b.profiles.get(FIRST_PROFILE.id));
  });

  it('seeds 50 profiles by default, each with one or two identities of distinct handles', async () => {
    const db = await testData();
    expect(db.profiles.count()).toBe(50);
    expect(db.scale).toBe(50);
    for (const p of db.profiles.all()) {
      const handles = identitiesOf(db, p.id).map((i) => i.handle);
      expect(handles.length, p.id).toBeGreaterThanOrEqual(1);
      expect(handles.length, p.id).toBeLessThanOrEqual(2);
      expect(new Set(handles).size).toBe(handles.length);
      for (const h of handles) expect(['shopify', 'magento_id', 'email']).toContain(h);
    }
    expect((await testData({ scale: 7 })).profiles.count()).toBe(7);
  });

  it('seeds the known first profile with its shopify (primary) and magento identities', async () => {
    const db = await testData();
    const first = showProfile(db, db.profiles.all()[0]!);
    expect(first).toMatchObject({
      id: FIRST_PROFILE.id,
      first_name: 'Jane',
      last_name: 'Citizen',
      full_name: 'Jane Citizen',
      email: 'jane.citizen@example.com',
      mobile_phone: '+61412345678',
      mobile_phone_country: 61,
      mobile_phone_national: '412345678',
      birth_date: '1988-07-14',
      external_id: '7000000000001',
      profile_type: 'active',
      is_completed: true,
      point_balance: 1200,
      point_balance_dollars: 12,
      combined_balance_dollars: 32,
      created_at: '2024-01-16 12:00:00',
      deleted_at: null,
    });
    expect(first.identities.map((i) => [i.id, i.handle, i.identifier, i.is_primary])).toEqual([
      [1, 'shopify', '7000000000001', true],
      [2, 'magento_id', '100001', false],
    ]);
    expect(profileByIdentity(db, 'magento_id', '100001')?.id).toBe(FIRST_PROFILE.id);
  });

  it('seeds unique UUID v4 ids, emails and E.164 phones, and Laravel timestamps no later than now', async () => {
    const db = await testData();
    const profiles = db.profiles.all();
    const now = '2026-01-15 12:00:00';
    for (const p of profiles) {
      expect(p.id).toMatch(UUID_V4);
      expect(p.created_at).toMatch(TIMESTAMP);
      expect(p.updated_at).toMatch(TIMESTAMP);
      expect(p.created_at <= p.updated_at && p.updated_at <= now, p.id).toBe(true);
      if (p.mobile_phone !== null) expect(p.mobile_phone).toMatch(/^\+614\d{8}$/);
    }
    expect(new Set(profiles.map((p) => p.email)).size).toBe(50);
    const phones = profiles.flatMap((p) => (p.mobile_phone ? [p.mobile_phone] : []));
    expect(new Set(phones).size).toBe(phones.length);
  });

  it('seeds every 25th profile soft-deleted', async () => {
    const db = await testData();
    const deleted = db.profiles.all().flatMap((p, i) => (isDeleted(p) ? [i] : []));
    expect(deleted).toEqual([24, 49]);
    expect(db.profiles.all()[24]).toMatchObject({ profile_type: 'deleted' });
    expect(db.profiles.all()[24]?.deleted_at).toMatch(TIMESTAMP);
  });

  it('goes back to the seed on reset, new ids included', async () => {
    const db = await testData();
    const before = db.snapshot();
    const firstNewId = db.newProfileId();
    expect(firstNewId).toMatch(UUID_V4);
    await db.profiles.update(FIRST_PROFILE.id, (d) => {
      d.first_name = 'Changed';
    });
    db.identities.remove('1');
    await db.identities.insert({ ...db.identities.get('2')!, id: db.nextIdentityId(), handle: 'email', identifier: 'x@example.com' });
    expect(db.snapshot()).not.toEqual(before);
    await db.reset();
    expect(db.snapshot()).toEqual(before);
    expect(db.newProfileId()).toBe(firstNewId);
    expect(db.nextIdentityId()).toBe(db.identities.count() + 1);
    expect(db.identities.get(identityKey('shopify', '7000000000001'))?.id).toBe(1);
  });

  it('seeds no webhook, keeps the webhooks in the snapshot, and drops them on reset with their ids', async () => {
    const db = await testData({ scale: 3 });
    expect(db.snapshot().webhooks).toEqual({});
    const at = '2026-01-15 12:00:00';
    const hook = { trigger: 'profile.updated', url: 'https://example.com/hook', namespace: 'sync', user_id: 1, is_active: true, retry_daily: null, retry_hourly: false, queue: null, condition: null, created_at: at, updated_at: at };
    await db.webhooks.insert({ ...hook, id: db.nextWebhookId() });
    await db.webhooks.insert({ ...hook, id: db.nextWebhookId(), trigger: 'profile.created' });
    expect(Object.keys(db.snapshot().webhooks)).toEqual(['1', '2']);
    expect(db.snapshot().webhooks['2']).toMatchObject({ id: 2, trigger: 'profile.created' });
    await db.reset();
    expect(db.webhooks.count()).toBe(0);
    expect(db.snapshot().webhooks).toEqual({});
    expect(db.nextWebhookId()).toBe(1);
  });

  it('dates the seed by the clock it is given', async () => {
    const db = await createOmneoData({ seed: 1, scale: 3, now: () => TEST_NOW + 86_400_000 });
    expect(db.profiles.get(FIRST_PROFILE.id)?.created_at).toBe('2024-01-17 12:00:00');
  });
});

describe('splitPhone', () => {
  it('splits off one-, two- and three-digit calling codes', () => {
    expect(splitPhone('+61412345678')).toEqual({ country: 61, national: '412345678' });
    expect(splitPhone('+14155550123')).toEqual({ country: 1, national: '4155550123' });
    expect(splitPhone('+358401234567')).toEqual({ country: 358, national: '401234567' });
    expect(splitPhone('0412345678')).toBeNull();
  });
});
