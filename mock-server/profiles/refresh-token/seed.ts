/**
 * The seeded backup account: a few backed-up services (SaaS organisations), each with a daily
 * backup history. The only file of the profile that imports faker. Same seed and `now` → the
 * same data, field for field.
 */
import { faker as en } from '@faker-js/faker/locale/en';
import { fakerLike } from '../../domain/faker.ts';
import type { Backup, BackupService } from './domain.ts';

/** Services seeded when no scale is given. */
export const DEFAULT_SERVICES = 3;

/** Daily backups kept per service. */
const HISTORY_DAYS = 7;

export function seedBackups(options: { seed: number; scale: number; now: number }): { services: BackupService[]; backups: Backup[] } {
  const faker = fakerLike(en);
  faker.seed(options.seed);
  const services: BackupService[] = [];
  const backups: Backup[] = [];
  const day = 86_400_000;
  const midnight = Math.floor(options.now / day) * day;
  for (let i = 0; i < Math.max(1, options.scale); i++) {
    const id = `svc_${String(i + 1).padStart(4, '0')}`;
    services.push({ id, name: `${faker.company.name()} (production)`, kind: faker.helpers.arrayElement(['salesforce', 'dynamics', 'servicenow']), createdAt: new Date(midnight - 90 * day).toISOString() });
    for (let d = HISTORY_DAYS; d >= 1; d--) {
      const started = midnight - d * day + 2 * 3_600_000;
      const failed = faker.number.int({ min: 1, max: 10 }) === 1;
      backups.push({
        id: `bkp_${String(backups.length + 1).padStart(6, '0')}`,
        serviceId: id,
        trigger: 'scheduled',
        status: failed ? 'failed' : 'completed',
        startedAt: new Date(started).toISOString(),
        finishedAt: new Date(started + faker.number.int({ min: 5, max: 90 }) * 60_000).toISOString(),
        records: failed ? 0 : faker.number.int({ min: 10_000, max: 2_000_000 }),
      });
    }
  }
  return { services, backups };
}
