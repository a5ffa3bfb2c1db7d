/**
 * Looks for the run's secrets at rest: in every file of the integration's workspace
 * (committed or not, `.env` included) and, when it is a git work tree, in every commit
 * reachable from any ref, so a secret committed and deleted later is still found.
 */
import { spawn } from 'node:child_process';
import type { Dirent } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { mask } from '../../mock-server/index.ts';
import type { SecretHow, SecretKind, SecretScanner } from './secrets.ts';

/** A secret found in a file: in the working tree, or (with `commit`) in git history. */
export interface WorkspaceFinding {
  /** Path relative to the scanned folder, with `/` separators. */
  file: string;
  /** 1-based line number (in that commit's version of the file, for history findings). */
  line: number;
  /** `encryption-key`: not one of the run's secrets, but a key that opens an encrypted file of the workspace (`beside`). */
  kind: SecretKind | 'encryption-key';
  masked: string;
  how: SecretHow;
  /** The commit that added the line, for findings from git history. */
  commit?: string;
  /** The secret sat in a URL (`https://…?api_key=…`), or was a whole string literal (`'…'`). */
  context?: 'url' | 'literal';
  /** An `encryption-key` finding: the encrypted file it sits beside. */
  beside?: string;
}

export interface ScanWorkspaceOptions {
  /** Files larger than this are skipped (default 5 MB). */
  maxFileBytes?: number;
  /** Search git history too, when the folder is in a git work tree (default true). */
  gitHistory?: boolean;
}

/** Folders never walked: dependencies, and git's own store (searched through git instead). */
const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);
const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;
/** Bytes looked at to tell a binary file: a NUL among them makes it binary (git's rule). */
const BINARY_SNIFF_BYTES = 8_000;

/**
 * Every occurrence of a known secret in the files under `dir` and in its git history.
 * Skips `node_modules`, `.git`, symbolic links, binary files and files over 5 MB.
 * @example const findings = await scanWorkspace(config.workspace, scanner);
 */
export async function scanWorkspace(
  dir: string,
  scanner: SecretScanner,
  options: ScanWorkspaceOptions = {},
): Promise<WorkspaceFinding[]> {
  if (scanner.size === 0) return [];
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const findings: WorkspaceFinding[] = [];
  const encrypted: string[] = [];
  const keys: { file: string; line: number; value: string }[] = [];
  for await (const file of walk(dir)) {
    const name = relative(dir, file).split(sep).join('/');
    const text = await readTextFile(file, maxBytes);
    if (ENCRYPTED_NAME.test(name) || (text !== undefined && ENCRYPTED_TEXT.test(text))) encrypted.push(name);
    if (text === undefined) continue;
    keys.push(...keysIn(name, text));
    for (const hit of scanner.scan(text)) {
      const context = contextOf(text, hit.index, hit.length);
      findings.push({ file: name, line: lineAt(text, hit.index), kind: hit.kind, masked: hit.masked, how: hit.how, ...(context ? { context } : {}) });
    }
  }
  // An "encrypted" file is plain text to whoever can read the key beside it (seed 004's poor storage).
  const locked = encrypted[0];
  if (locked !== undefined) {
    for (const k of keys) {
      if (!encrypted.includes(k.file)) findings.push({ file: k.file, line: k.line, kind: 'encryption-key', masked: mask(k.value), how: 'full', beside: locked });
    }
  }
  if (options.gitHistory !== false && (await isGitWorkTree(dir))) {
    findings.push(...(await scanGitHistory(dir, scanner)));
  }
  return findings;
}

async function* walk(dir: string): AsyncGenerator<string> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    // Symbolic links are not followed: they can loop, or lead out of the workspace.
    if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) yield* walk(path);
    else if (entry.isFile() && entry.name !== '.git') yield path;
  }
}

/** The file's text, or undefined when it is too large, binary or unreadable. */
async function readTextFile(file: string, maxBytes: number): Promise<string | undefined> {
  try {
    const info = await stat(file);
    if (info.size > maxBytes) return undefined;
    const handle = await open(file, 'r');
    try {
      const content = await handle.readFile();
      if (content.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return undefined;
      return content.toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

/** Files an integration keeps encrypted: by name, or by what they start with (OpenSSL's base64 `Salted__`, PGP, age). */
const ENCRYPTED_NAME = /\.(enc|encrypted|aes|gpg|age|crypt)$/i;
const ENCRYPTED_TEXT = /^\s*(U2FsdGVkX1|-----BEGIN PGP MESSAGE-----|age-encryption\.org\/)/;
/** A bare symmetric key: 128, 192 or 256 bits in hex or base64. */
const BARE_KEY = /^(?:[0-9a-f]{32}|[0-9a-f]{48}|[0-9a-f]{64}|[A-Za-z0-9+/]{22}==|[A-Za-z0-9+/]{32}|[A-Za-z0-9+/]{43}=)$/i;
/** A setting that names itself an encryption key: `ENCRYPTION_KEY=…`, `"decryptKey": "…"`. */
const KEY_SETTING = /\b\w*(?:en|de)?crypt(?:ion)?_?key\w*["']?\s*[=:]\s*["']?([A-Za-z0-9+/=_-]{16,})/i;

/** Encryption keys in one file: the whole file one bare key, or settings named so. */
function keysIn(file: string, text: string): { file: string; line: number; value: string }[] {
  const bare = text.trim();
  if (BARE_KEY.test(bare)) return [{ file, line: lineAt(text, text.indexOf(bare)), value: bare }];
  return text.split('\n').flatMap((line, i) => {
    const m = KEY_SETTING.exec(line);
    return m ? [{ file, line: i + 1, value: m[1]! }] : [];
  });
}

/** Where in its line an occurrence sits: inside a URL, or as a whole string literal. */
function contextOf(text: string, index: number, length: number): 'url' | 'literal' | undefined {
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  const before = text.slice(lineStart, index);
  if (/[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>]*$/i.test(before)) return 'url';
  const open = before.at(-1);
  if (open && `'"\``.includes(open) && text[index + length] === open) return 'literal';
  return undefined;
}

/** 1-based line of the character at `index`. */
function lineAt(text: string, index: number): number {
  let line = 1;
  for (let at = text.indexOf('\n'); at !== -1 && at < index; at = text.indexOf('\n', at + 1)) line++;
  return line;
}

/** The environment for our git commands: none of the caller's repository overrides. */
function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_CEILING_DIRECTORIES']) {
    delete env[name];
  }
  return env;
}

async function isGitWorkTree(dir: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('git', ['rev-parse', '--is-inside-work-tree'], { cwd: dir, env: gitEnv(), stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0 && out.trim() === 'true'));
  });
}

/**
 * Scans the lines every reachable commit added (`git log -p --all`), limited to `dir` and
 * with paths relative to it. Each line that was ever committed is an added line of some
 * commit, so deleted secrets are found at the commit that added them. Merge commits are
 * compared with their first parent (which also covers stashes).
 */
async function scanGitHistory(dir: string, scanner: SecretScanner): Promise<WorkspaceFinding[]> {
  const args = [
    '-c', 'core.quotePath=false',
    'log', '-p', '--all', '--relative', '--no-color', '--no-ext-diff', '--no-textconv', '--no-renames',
    '--diff-merges=first-parent', '--format=commit %H', '--', '.',
  ];
  const child = spawn('git', args, { cwd: dir, env: gitEnv(), stdio: ['ignore', 'pipe', 'ignore'] });
  const found = new Map<string, WorkspaceFinding>();
  let commit = '';
  let file: string | undefined;
  let newLine = 0;
  let oldLeft = 0;
  let newLeft = 0;

  const onLine = (line: string): void => {
    if (oldLeft > 0 || newLeft > 0) {
      const mark = line[0];
      if (mark === '+') {
        if (file !== undefined) {
          for (const hit of scanner.scan(line.slice(1))) {
            const finding: WorkspaceFinding = { file, line: newLine, kind: hit.kind, masked: hit.masked, how: hit.how, commit };
            // git log lists the newest commit first: the last one seen is the one that added it.
            found.set(`${file}\0${hit.masked}\0${hit.how}\0${hit.kind}`, finding);
          }
        }
        newLine++;
        newLeft--;
      } else if (mark === '-') oldLeft--;
      else if (mark === ' ' || line === '') {
        newLine++;
        oldLeft--;
        newLeft--;
      }
      return;
    }
    let m: RegExpExecArray | null;
    if ((m = /^commit ([0-9a-f]{40,64})$/.exec(line))) {
      commit = m[1]!;
      file = undefined;
    } else if (line.startsWith('diff --git ')) file = undefined;
    else if (line.startsWith('+++ ')) file = line === '+++ /dev/null' ? undefined : unquote(line.slice(4)).replace(/^b\//, '');
    else if ((m = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line))) {
      oldLeft = m[1] === undefined ? 1 : Number(m[1]);
      newLine = Number(m[2]);
      newLeft = m[3] === undefined ? 1 : Number(m[3]);
    }
  };

  await new Promise<void>((resolve) => {
    let rest = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const part of parts) onLine(part);
    });
    child.on('error', () => resolve());
    child.on('close', () => {
      if (rest) onLine(rest);
      resolve();
    });
  });
  return [...found.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
}

/** A path as git prints it: C-quoted when it holds unusual characters. */
function unquote(path: string): string {
  if (!path.startsWith('"') || !path.endsWith('"')) return path;
  try {
    return JSON.parse(path) as string;
  } catch {
    return path.slice(1, -1);
  }
}
