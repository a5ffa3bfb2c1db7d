/** The backup platform's data: services backed up, and their backups. */
import { z } from 'zod';
import { DEFAULT_SERVICES, seedBackups } from './seed.ts';

export const backupService = z
  .object({ id: z.string(), name: z.string(), kind: z.string(), createdAt: z.string() })
  .meta({ id: 'BackupService' });
export type BackupService = z.infer<typeof backupService>;

export const BACKUP_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;

export const backup = z
  .object({
    id: z.string(),
    serviceId: z.string(),
    trigger: z.enum(['scheduled', 'on-demand']),
    status: z.enum(BACKUP_STATUSES),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    records: z.int(),
  })
  .meta({ id: 'Backup' });
export type Backup = z.infer<typeof backup>;

export interface BackupData {
  services: Map<string, BackupService>;
  backups: Map<string, Backup>;
  reset(): Promise<void>;
  snapshot(): { services: Record<string, BackupService>; backups: Record<string, Backup> };
}

/** One environment's account, seeded. */
export function createBackupData(options: { seed: number; scale?: number; now: () => number }): BackupData {
  const load = (db: BackupData) => {
    const seeded = seedBackups({ seed: options.seed, scale: options.scale ?? DEFAULT_SERVICES, now: options.now() });
    db.services = new Map(seeded.services.map((s) => [s.id, s]));
    db.backups = new Map(seeded.backups.map((b) => [b.id, b]));
  };
  const copy = <T>(m: Map<string, T>) => Object.fromEntries([...m].map(([k, v]) => [k, structuredClone(v)]));
  const db: BackupData = {
    services: new Map(),
    backups: new Map(),
    async reset() {
      load(db);
    },
    snapshot: () => ({ services: copy(db.services), backups: copy(db.backups) }),
  };
  load(db);
  return db;
}
