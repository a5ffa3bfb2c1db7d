// `npm run build`: the library as TypeScript compiles it (dist/, with its types), then the
// command line bundled into a few files (dist/cli/), which `bin/golive.js` runs. A start of
// `golive serve` opened some 460 files one by one (zod alone ships 95 modules); bundled, Node
// reads a handful, and `serve` is ready about 90 ms sooner (README, Performance).
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('mock-server/admin/console', 'dist/mock-server/admin/console', { recursive: true });

// @msw/data inlined into its only importer: its root imports es-toolkit's whole index (556 modules) for five functions.
await build({
  entryPoints: ['dist/mock-server/domain/table.js'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  sourcemap: true,
  allowOverwrite: true,
  outfile: 'dist/mock-server/domain/table.js',
  logLevel: 'warning',
});

// The command line: each command a chunk of its own, loaded when it is run. Left out: tsx (it
// registers its loader by file), playwright-core (it finds its browsers and drivers beside its
// own files). CommonJS packages bundled into ES modules get the `require`, `__filename` and
// `__dirname` they use (write-file-atomic seeds its temporary names with `__filename`).
await build({
  entryPoints: { main: 'dist/conformance/cli/main.js' },
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  outdir: 'dist/cli',
  external: ['tsx', 'tsx/*', 'playwright-core', 'playwright-core/*'],
  banner: {
    js: [
      "import { createRequire as __goliveRequire } from 'node:module';",
      "import { dirname as __goliveDirname } from 'node:path';",
      "import { fileURLToPath as __goliveFileURLToPath } from 'node:url';",
      'const require = __goliveRequire(import.meta.url);',
      'const __filename = __goliveFileURLToPath(import.meta.url);',
      'const __dirname = __goliveDirname(__filename);',
    ].join('\n'),
  },
  logLevel: 'warning',
});
// The console's files, read beside the code that serves them.
cpSync('mock-server/admin/console', 'dist/cli/console', { recursive: true });
