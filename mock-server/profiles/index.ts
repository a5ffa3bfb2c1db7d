/** Every platform the mock can be, by the name `--profile` and the config's `profile` key use. */
import { GoliveError } from '../../errors.ts';
import type { Profile } from '../handlers/profile.ts';
import { apiKey } from './api-key/index.ts';
import { omneo } from './omneo/index.ts';
import { omnium } from './omnium/index.ts';
import { refreshToken } from './refresh-token/index.ts';

export const PROFILES: Readonly<Record<string, Profile>> = { omnium, omneo, 'api-key': apiKey, 'refresh-token': refreshToken };

export const DEFAULT_PROFILE = 'omnium';

/** The profile of that name, or an error that lists the known ones. */
export function getProfile(name: string = DEFAULT_PROFILE): Profile {
  const profile = PROFILES[name];
  if (!profile) throw new GoliveError('GOLIVE_ERR_UNKNOWN_PROFILE', `profile: "${name}" is not a known profile (known: ${Object.keys(PROFILES).join(', ')})`);
  return profile;
}
