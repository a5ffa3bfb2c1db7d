/** The backup platform's API-token permissions: `backups:run` includes `backups:read`. */
import { definePermissions } from '../../auth/permissions.ts';

export const BACKUPS_READ = 'backups:read';
export const BACKUPS_RUN = 'backups:run';

export const REFRESH_TOKEN_PERMISSIONS = definePermissions({
  noun: 'permission',
  platform: 'Backup platform',
  all: [BACKUPS_READ, BACKUPS_RUN],
  owner: [BACKUPS_RUN],
  includes: (name) => (name === BACKUPS_RUN ? [BACKUPS_READ] : []),
});
