import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * External validators (cloud-init, shellcheck, openssl) and the ../shared reference are optional on
 * a developer's machine: tests that need them skip with a message. In CI (`KAMAJI_CI=1`, set by
 * .ci/run) they are mandatory, so a missing tool fails instead of silently passing.
 */
export const IN_CI = process.env.KAMAJI_CI === '1';

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0;
}

/** `test` when the tool exists (or in CI, where its absence must fail); otherwise a skip with a reason. */
export function testWithTool(tool: string): jest.It {
  if (hasTool(tool) || IN_CI) return test;
  console.warn(
    `skipping tests that need "${tool}": not installed (.ci/run installs it; KAMAJI_CI=1 makes it mandatory)`,
  );
  return test.skip;
}

/** The shared reference folder (../shared/reference), or undefined when this clone has none. */
export const SHARED_REFERENCE = path.resolve(__dirname, '..', '..', '..', 'shared', 'reference');

export function describeWithShared(name: string, body: () => void): void {
  const present = fs.existsSync(SHARED_REFERENCE) || IN_CI;
  if (!present)
    console.warn(`skipping "${name}": ${SHARED_REFERENCE} is absent (it exists in CI, where these tests run)`);
  const describeOrSkip = present ? describe : describe.skip;
  describeOrSkip(name, body);
}
