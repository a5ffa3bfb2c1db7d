import { describe, expect, it } from 'vitest';
import { createSecretScanner } from './secrets.ts';
import { createSideEffectProbe } from './side-effect-probe.ts';

const SECRET = 'whk_Zq3vN8rT5yU2wX7aB4cD6eF9';

function probe(command: string | string[], timeoutMs?: number) {
  const scanner = createSecretScanner();
  scanner.add({ kind: 'webhook-secret', value: SECRET });
  return createSideEffectProbe({ command, cwd: process.cwd(), env: { BOOKINGS: '3', SECRET }, scanner, ...(timeoutMs ? { timeoutMs } : {}) });
}

describe('the side-effect probe', () => {
  it("prints what the command prints, with the integration's environment, through /bin/sh for a string", async () => {
    expect(await probe('echo "{\\"bookings\\": $BOOKINGS}"')()).toEqual({ ok: true, output: '{"bookings": 3}\n' });
  });

  it('runs an argv array directly', async () => {
    expect(await probe([process.execPath, '-e', 'process.stdout.write("one")'])()).toEqual({ ok: true, output: 'one' });
  });

  it('masks a secret the command prints', async () => {
    const reading = await probe('echo "token=$SECRET"')();
    expect(reading.ok && reading.output).not.toContain(SECRET);
    expect(reading.ok && reading.output).toMatch(/token=whk_…/);
  });

  it('says why it failed: the exit code with the last line of stderr, masked', async () => {
    expect(await probe('echo "no db for $SECRET" >&2; exit 3')()).toEqual({
      ok: false,
      error: expect.stringMatching(/^the side-effect probe \(webhook\.idempotencyProbe\) failed: exit 3: no db for whk_…/),
    });
  });

  it('names a command that does not exist, and one that does not answer in time', async () => {
    expect(await probe(['/nonexistent/probe'])()).toEqual({ ok: false, error: expect.stringMatching(/command not found: \/nonexistent\/probe/) });
    expect(await probe('sleep 5', 200)()).toEqual({ ok: false, error: expect.stringMatching(/no answer within 200 ms/) });
  });
});
