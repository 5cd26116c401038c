/**
 * `node --require ./scripts/ts-register.cjs app.ts`: runs TypeScript sources directly, each `.ts`
 * file transpiled with swc when it is first required (no type-checking: `npm run typecheck` does
 * that). cdktf.json runs the quickstart this way, so `npx cdktf synth`/`deploy` always use the
 * current `examples/quickstart/app.ts`, never a stale `lib/` build.
 *
 * Plain CommonJS on purpose: it must work before anything is compiled.
 */
/* global require, process */
/* eslint-disable @typescript-eslint/no-require-imports */
'use strict';
const fs = require('node:fs');
const { transformSync } = require('@swc/core');

const OPTIONS = {
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
  swcrc: false,
  configFile: false,
};

// Stack traces (e.g. of a validation error) point at the TypeScript lines.
process.setSourceMapsEnabled(true);

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), { ...OPTIONS, filename });
  module._compile(code, filename);
};
