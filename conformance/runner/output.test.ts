import { describe, expect, it } from 'vitest';
import { createSecretScanner } from '../observe/secrets.ts';
import { TAIL_LINES, TAIL_MAX_BYTES, createOutputCapture } from './output.ts';

function capture(maxBytes = 1024 * 1024, maxLineBytes?: number) {
  let t = 0;
  const scanner = createSecretScanner();
  const out = createOutputCapture({ maxBytes, scanner, now: () => ++t, ...(maxLineBytes ? { maxLineBytes } : {}) });
  return { out, scanner };
}

describe('createOutputCapture', () => {
  it('splits chunks into lines per stream, whatever the chunk boundaries', () => {
    const { out } = capture();
    out.write('stdout', Buffer.from('hel'));
    out.write('stderr', Buffer.from('oops\r\n'));
    out.write('stdout', Buffer.from('lo\nwor'));
    out.write('stdout', Buffer.from('ld\n'));
    out.write('stdout', Buffer.from('no newline'));
    out.end('stdout');
    expect(out.lines().map((l) => [l.stream, l.line, l.text])).toEqual([
      ['stderr', 1, 'oops'],
      ['stdout', 1, 'hello'],
      ['stdout', 2, 'world'],
      ['stdout', 3, 'no newline'],
    ]);
  });

  it('keeps a character split across chunks whole', () => {
    const { out } = capture();
    const bytes = Buffer.from('prix: 5 €\n');
    out.write('stdout', bytes.subarray(0, 10));
    out.write('stdout', bytes.subarray(10));
    expect(out.lines()[0]!.text).toBe('prix: 5 €');
  });

  it('cuts a line longer than the limit into pieces that share its line number', () => {
    const { out } = capture(1024 * 1024, 1000);
    out.write('stdout', Buffer.from('a'.repeat(2500)));
    out.write('stdout', Buffer.from('\nnext\n'));
    const lines = out.lines();
    expect(lines.map((l) => [l.line, l.text.length, l.cut ?? false])).toEqual([
      [1, 1000, true],
      [1, 1000, true],
      [1, 500, true],
      [2, 4, false],
    ]);
  });

  it('keeps the head in full, then a bounded tail, with one marker saying what was dropped', () => {
    const { out } = capture(10_000);
    const line = `${'z'.repeat(99)}\n`;
    for (let i = 0; i < 1000; i++) out.write('stdout', Buffer.from(line));
    out.write('stdout', Buffer.from('last\n'));
    const stats = out.stats();
    expect(stats.totalBytes).toBe(100_000 + 5);
    expect(stats.storedBytes).toBeLessThanOrEqual(10_000 + TAIL_MAX_BYTES);
    const lines = out.lines();
    const markers = lines.filter((l) => l.marker);
    expect(markers).toHaveLength(1);
    expect(markers[0]!.text).toBe(`[golive: ${stats.droppedBytes} bytes of output not kept]`);
    expect(lines.filter((l) => !l.marker)).toHaveLength(100 + TAIL_LINES);
    expect(lines.at(-1)!.text).toBe('last');
    expect(stats.droppedBytes + stats.storedBytes).toBe(stats.totalBytes);
  });

  it('masks secrets in kept lines and records a finding for every line, kept or not', () => {
    const { out, scanner } = capture(200);
    const secret = 'sk_live_4f9a8b7c6d5e4f3a2b1c';
    scanner.add({ kind: 'client-secret', value: secret });
    for (let i = 0; i < 50; i++) out.write('stdout', Buffer.from(`line ${i} ${i === 20 ? secret : ''}\n`));
    out.write('stderr', Buffer.from(`fatal: bad secret ${secret}\n`));
    expect(out.findings.map((f) => [f.stream, f.line, f.how])).toEqual([
      ['stdout', 21, 'full'],
      ['stderr', 1, 'full'],
    ]);
    expect(out.findings[1]!.text).toBe('fatal: bad secret sk_l…2b1c');
    expect(JSON.stringify(out.lines())).not.toContain(secret);
  });
});
