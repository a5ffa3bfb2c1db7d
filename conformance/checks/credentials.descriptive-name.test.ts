import { describe, expect, it } from 'vitest';
import { runCheck } from './check.ts';
import check, { genericName } from './credentials.descriptive-name.ts';
import { context, observations } from './test/journal.ts';

describe('credentials.descriptive-name', () => {
  it('passes a name that identifies the system', () => {
    const result = runCheck(check, observations({ apiUser: { name: 'ERP Order Export' } }), context());

    expect(result.verdict).toBe('pass');
    expect(result.summary).toBe('The API user is named "ERP Order Export".');
    expect(result.remediation).toBe('');
  });

  it('warns, as an advisory check, about a generic name and shows it', () => {
    const result = runCheck(check, observations({ apiUser: { name: 'test' } }), context());

    expect(result.verdict).toBe('warn');
    expect(result.required).toBe(false);
    expect(result.summary).toBe('The API user\'s name does not identify a system: "test" is a generic name.');
    expect(result.evidence).toEqual([{ kind: 'note', text: 'apiUser.name = "test"' }]);
    expect(result.remediation).toContain('ERP Order Export');
  });

  it.each([
    ['', 'it is empty'],
    ['   ', 'it is empty'],
    ['ops@example.com', 'it is an e-mail address (a person, not a system)'],
    ['api', '"api" is a generic name'],
    ['API User', '"API User" is a generic name'],
    ['user1', '"user1" is a generic name'],
    ['admin', '"admin" is a generic name'],
    ['Test2', '"Test2" is a generic name'],
    ['erp', '"erp" is too short to identify a system'],
  ])('does not accept %j: %s', (name, why) => {
    expect(genericName(name)).toBe(why);
    expect(check.judge(observations({ apiUser: { name } })).verdict).toBe('fail');
  });

  it.each(['PIM Product Sync', 'Testing lab ERP bridge', 'Webshop checkout'])('accepts %j', (name) => {
    expect(genericName(name)).toBeNull();
  });
});
