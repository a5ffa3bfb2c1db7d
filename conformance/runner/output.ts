/**
 * Keeps an integration's output, line by line, masked and bounded: the first `maxBytes`
 * in full, then only a tail; every line is scanned for secrets whether kept or not.
 */
import type { SecretHow, SecretKind, SecretScanner } from '../observe/secrets.ts';

export type StreamName = 'stdout' | 'stderr';

/** A line of output as kept: masked, with its stream, line number and monotonic time. */
export interface OutputLine {
  stream: StreamName;
  /** 1-based line number within its stream; the pieces of a cut line share it. */
  line: number;
  /** Monotonic milliseconds (`performance.now()` of the harness) when the line was complete. */
  mono: number;
  text: string;
  /** The line was longer than the per-line limit and is one piece of it. */
  cut?: boolean;
  /** The synthetic `[golive: N bytes of output not kept]` line between the head and the tail. */
  marker?: boolean;
}

/** A secret seen in the output. `text` is the whole line, masked. */
export interface OutputFinding {
  kind: SecretKind;
  masked: string;
  how: SecretHow;
  stream: StreamName;
  line: number;
  mono: number;
  text: string;
}

/** Sizes of what was written, kept and dropped. */
export interface OutputStats {
  /** Bytes the integration wrote, kept or not. */
  totalBytes: number;
  /** Bytes of (masked) text kept, head and tail together. */
  storedBytes: number;
  /** Bytes written but not kept (as written, before masking). */
  droppedBytes: number;
  lines: number;
  /** Findings seen, including those past `MAX_FINDINGS` that are only counted. */
  findings: number;
}

/** Longest line kept as one; longer lines are cut into pieces of this size. */
export const MAX_LINE_BYTES = 64 * 1024;
/** Lines kept after the head is full. */
export const TAIL_LINES = 200;
/** Upper bound on the bytes of the tail, so 200 long lines cannot undo the limit. */
export const TAIL_MAX_BYTES = 256 * 1024;
/** Findings kept with their line; further ones are counted only. */
export const MAX_FINDINGS = 1_000;
/** Longest masked line text kept in a finding. */
const FINDING_TEXT = 2_000;

/** Limits, scanner and clock of a capture. */
export interface OutputCaptureOptions {
  maxBytes: number;
  scanner: SecretScanner;
  now: () => number;
  maxLineBytes?: number;
  /** Called with every complete line, unmasked, before it is stored (for readiness patterns). */
  onLine?: (text: string, stream: StreamName) => void;
}

/** The output of one process: fed chunk by chunk, read as lines. */
export interface OutputCapture {
  /** Feeds a chunk of one stream. */
  write(stream: StreamName, chunk: Buffer): void;
  /** Flushes a stream's last line when it has no trailing newline. */
  end(stream: StreamName): void;
  /** Every kept line in order: the head, a marker if anything was dropped, the tail. */
  lines(): OutputLine[];
  /** The last `n` kept lines. */
  tail(n: number): OutputLine[];
  readonly findings: readonly OutputFinding[];
  stats(): OutputStats;
}

/** Where a cut may fall in `buf` at or before `at` without splitting a UTF-8 character. */
function utf8Boundary(buf: Buffer, at: number): number {
  let cut = at;
  while (cut > 0 && ((buf[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return cut === 0 ? at : cut;
}

/** A capture for one process's stdout and stderr. */
export function createOutputCapture(options: OutputCaptureOptions): OutputCapture {
  const maxLine = options.maxLineBytes ?? MAX_LINE_BYTES;
  const head: OutputLine[] = [];
  /** Kept lines past the head, with their stored and original sizes. */
  const tail: { entry: OutputLine; bytes: number; rawBytes: number }[] = [];
  const findings: OutputFinding[] = [];
  let headBytes = 0;
  let tailBytes = 0;
  let totalBytes = 0;
  let droppedBytes = 0;
  let lineCount = 0;
  let findingCount = 0;
  let headFull = false;
  let firstDropMono = 0;

  const pending: Record<StreamName, { parts: Buffer[]; size: number; line: number; cutSoFar: boolean }> = {
    stdout: { parts: [], size: 0, line: 0, cutSoFar: false },
    stderr: { parts: [], size: 0, line: 0, cutSoFar: false },
  };

  const store = (entry: OutputLine, rawBytes: number): void => {
    const bytes = Buffer.byteLength(entry.text) + 1;
    if (!headFull && headBytes + bytes <= options.maxBytes) {
      head.push(entry);
      headBytes += bytes;
      return;
    }
    if (!headFull) {
      headFull = true;
      firstDropMono = entry.mono;
    }
    tail.push({ entry, bytes, rawBytes });
    tailBytes += bytes;
    while (tail.length > TAIL_LINES || (tailBytes > TAIL_MAX_BYTES && tail.length > 1)) {
      const dropped = tail.shift()!;
      tailBytes -= dropped.bytes;
      droppedBytes += dropped.rawBytes;
    }
  };

  const emit = (stream: StreamName, raw: Buffer, cut: boolean, line: number): void => {
    let text = raw.toString('utf8');
    if (!cut && text.endsWith('\r')) text = text.slice(0, -1);
    const mono = options.now();
    options.onLine?.(text, stream);
    const { text: masked, hits } = options.scanner.redact(text);
    for (const hit of hits) {
      findingCount++;
      if (findings.length < MAX_FINDINGS) {
        findings.push({
          kind: hit.kind,
          masked: hit.masked,
          how: hit.how,
          stream,
          line,
          mono,
          text: masked.length > FINDING_TEXT ? `${masked.slice(0, FINDING_TEXT)}…` : masked,
        });
      }
    }
    lineCount++;
    store({ stream, line, mono, text: masked, ...(cut ? { cut: true } : {}) }, raw.length + (cut ? 0 : 1));
  };

  const flush = (stream: StreamName, cut: boolean): void => {
    const p = pending[stream];
    if (!p.cutSoFar) p.line++;
    const raw = p.parts.length === 1 ? p.parts[0]! : Buffer.concat(p.parts, p.size);
    p.parts = [];
    p.size = 0;
    emit(stream, raw, cut || p.cutSoFar, p.line);
    p.cutSoFar = cut;
  };

  const append = (stream: StreamName, segment: Buffer): void => {
    const p = pending[stream];
    let rest = segment;
    while (p.size + rest.length > maxLine) {
      const room = maxLine - p.size;
      const at = room > 0 ? utf8Boundary(rest, room) : 0;
      if (at > 0) {
        p.parts.push(Buffer.from(rest.subarray(0, at)));
        p.size += at;
      }
      rest = rest.subarray(at);
      flush(stream, true);
    }
    if (rest.length > 0) {
      // A copy: a slice would keep the whole chunk it came from alive.
      p.parts.push(Buffer.from(rest));
      p.size += rest.length;
    }
  };

  const lines = (): OutputLine[] => {
    const kept = tail.map((t) => t.entry);
    if (droppedBytes === 0) return [...head, ...kept];
    const marker: OutputLine = {
      stream: 'stdout',
      line: 0,
      mono: firstDropMono,
      text: `[golive: ${droppedBytes} bytes of output not kept]`,
      marker: true,
    };
    return [...head, marker, ...kept];
  };

  return {
    write(stream, chunk) {
      totalBytes += chunk.length;
      let start = 0;
      while (start <= chunk.length) {
        const nl = chunk.indexOf(0x0a, start);
        if (nl === -1) {
          if (start < chunk.length) append(stream, chunk.subarray(start));
          return;
        }
        append(stream, chunk.subarray(start, nl));
        flush(stream, false);
        start = nl + 1;
      }
    },
    end(stream) {
      if (pending[stream].size > 0) flush(stream, false);
      pending[stream].cutSoFar = false;
    },
    lines,
    tail: (n) => (n <= 0 ? [] : lines().slice(-n)),
    findings,
    stats() {
      return {
        totalBytes,
        storedBytes: headBytes + tailBytes,
        droppedBytes,
        lines: lineCount,
        findings: findingCount,
      };
    },
  };
}
