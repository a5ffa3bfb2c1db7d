#!/usr/bin/env node
// The compiled CLI, bundled (build.mjs); `npm install` builds dist/ through the `prepare` script.
import module from 'node:module';

// Node 22.1 and later keep the compiled code of the modules a start loads (a few chunks) on
// disk, in the OS's temporary folder, for the next start; Node 20 has no such cache and starts
// without it. Imported only after, so that the whole CLI is compiled through it.
module.enableCompileCache?.();
await import('../dist/cli/main.js');
