/**
 * Looks for the run's secrets at rest: in every file of the integration's workspace
 * (committed or not, `.env` included) and, when it is a git work tree, in every commit
 * reachable from any ref, so a secret committed and deleted later is still found.
 */
import { spawn } from 'node:child_process';
import type { Dirent } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { SecretHow, SecretKind, SecretScanner } from './secrets.ts';

/** A secret found in a file: in the working tree, or (with `commit`) in git history. */
export interface WorkspaceFinding {
  /** Path relative to the scanned folder, with `/` separators. */
  file: string;
  /** 1-based line number (in that commit's version of the file, for history findings). */
  line: number;
  kind: SecretKind;
  masked: string;
  how: SecretHow;
  /** The commit that added the line, for findings from git history. */
  commit?: string;
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
  for await (const file of walk(dir)) {
    const text = await readTextFile(file, maxBytes);
    if (text === undefined) continue;
    const name = relative(dir, file).split(sep).join('/');
    for (const hit of scanner.scan(text)) {
      findings.push({ file: name, line: lineAt(text, hit.index), kind: hit.kind, masked: hit.masked, how: hit.how });
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
