import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMockServer } from '../../mock-server/index.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { runPhases } from '../runner/phases.ts';
import { findScenario, scaleScenario, validateScenario } from '../runner/scenario.ts';
import { golive } from './cli.ts';
import { startExample } from './harness.ts';

describe('the shipped scenarios', () => {
  it('are valid, and each lives in the file of its name', async () => {
    const files = (await readdir(new URL('../../scenarios/', import.meta.url))).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
    expect(files.map((f) => f.replace(/\.ts$/, '')).sort()).toEqual(SCENARIOS.map((s) => s.name).sort());
    for (const s of SCENARIOS) expect(validateScenario(s, `scenarios/${s.name}.ts`)).toEqual(s);
  });

  it('are listed by golive scenarios, one line each', async () => {
    const result = await golive(['scenarios']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(SCENARIOS.length);
    expect(result.stdout).toMatch(/^rate-limit-storm\s+\d+ s\s+Every call answers 429/m);
  });

  /**
   * Each runs to its end, at a twentieth of its length, against the resilient example, and
   * does to the traffic what it says.
   */
  it.concurrent.each(SCENARIOS.map((s) => s.name))('runs %s to its end against the resilient example', async (name) => {
    const scenario = scaleScenario((await findScenario(name, SCENARIOS)), 0.05);
    const mock = await createMockServer({ dataScale: 30, demoUser: false, seed: 5 });
    const user = await mock.createApiUser({ name: 'ERP Order Sync', roles: ['OrderRead', 'InventoryRead'], stores: ['oslo-online'], markets: ['nor'] });
    const app = startExample('resilient-node', mock, user, {
      WEBHOOK_PORT: '0',
      WEBHOOK_TOKEN: 'whk_scenario-test-token-0000',
      POLL_INTERVAL_MS: '100',
      REQUEST_TIMEOUT_MS: '1000',
    });
    try {
      await app.ready;
      const records = await runPhases(mock, scenario.phases, { clientId: user.clientId, stop: new Promise(() => {}) });
      expect(records.map((r) => [r.name, r.completed])).toEqual(scenario.phases.map((p) => [p.name, true]));
      const journal = mock.journal.since(0);
      expect(journal.some((e) => e.apiUser === user.clientId && e.status === 200)).toBe(true);
      const faultKinds = scenario.phases.flatMap((p) => p.actions.filter((a) => a.kind === 'add-fault'));
      if (faultKinds.length > 0) expect(journal.some((e) => e.fault !== null)).toBe(true);
      if (name === 'deactivated-user') expect(journal.some((e) => e.denied === 'API user deactivated')).toBe(true);
      if (name === 'missing-role') expect(journal.some((e) => e.status === 403)).toBe(true);
      if (name === 'revoked-token') expect(journal.some((e) => e.denied === 'token revoked')).toBe(true);
      if (name === 'hanging-response') expect(journal.some((e) => e.fault?.kind === 'hang' && e.aborted)).toBe(true);
      if (name === 'tls-mitm') expect(mock.tlsConnections().some((c) => c.listener.startsWith('api:') && c.handshake === 'failed')).toBe(true);
      if (name === 'secret-rotation') expect(mock.listApiUsers().filter((u) => u.name === 'ERP Order Sync')).toHaveLength(2);
      expect(mock.faults.list().filter((r) => !r.spent)).toEqual([]);
    } finally {
      await app.stop();
      await mock.close();
    }
  });
});

describe('a scenario file with a mistake', () => {
  it('is refused with the file, the phase and the key named', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'golive-scenario-'));
    const file = join(dir, 'my-storm.mjs');
    await writeFile(
      file,
      `export default { name: 'my-storm', summary: 's', expect: 'e', phases: [
        { name: 'warm-up', description: 'd', durationMs: 1000, actions: [] },
        { name: 'storm', description: 'd', durationMs: 1000, actions: [{ kind: 'add-fault', rule: { match: { probability: 2 }, action: { kind: 'reset' } } }] } ] };`,
    );
    await expect(findScenario(file, SCENARIOS)).rejects.toThrow('my-storm.mjs: phase "storm": actions.0.rule: match.probability');
    await writeFile(file, `export default { name: 'my-storm', summary: 's', expect: 'e', phases: [{ name: 'p', description: 'd', durationMs: 10, action: [] }] };`);
    await expect(findScenario(file, SCENARIOS)).rejects.toThrow(/my-storm\.mjs: phase "p": .*action/);
    await expect(findScenario('no-such-scenario', SCENARIOS)).rejects.toThrow('neither a scenario golive ships');
  });
});
