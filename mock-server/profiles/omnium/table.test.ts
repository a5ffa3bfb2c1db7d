import { describe, expect, it } from 'vitest';
import { endpointInfo } from '../../handlers/profile.ts';
import { omnium } from './index.ts';
import { OMNIUM_ENDPOINTS } from './table.ts';

describe('the endpoint table', () => {
  it('declares which endpoints change data: every Admin route does, a search sent as a POST does not', () => {
    for (const e of OMNIUM_ENDPOINTS) {
      if (e.role?.endsWith('Admin')) expect({ id: e.id, writes: e.writes }).toEqual({ id: e.id, writes: true });
      if (e.role?.endsWith('Read') || e.method === 'GET') expect({ id: e.id, writes: e.writes }).toEqual({ id: e.id, writes: false });
    }
  });

  it('declares the one endpoint that exchanges credentials for a token, and tells the checks', () => {
    expect(OMNIUM_ENDPOINTS.filter((e) => e.issuesToken).map((e) => e.id)).toEqual(['Token_Post']);
    expect(endpointInfo(omnium).find((e) => e.id === 'Token_Post')).toMatchObject({ issuesToken: true, writes: false });
  });
});
