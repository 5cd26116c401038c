import * as fs from 'node:fs';
import * as path from 'node:path';

/** The package's name in package.json: how the version lookup recognises its own package.json. */
export const PACKAGE_NAME = 'cdktf-kamaji';

/**
 * The version in this package's package.json, found by walking up from this file: `src/cli/` in a
 * checkout, `lib/src/cli/` when compiled, `node_modules/cdktf-kamaji/lib/src/cli/` when installed.
 * Never the package.json of the current directory (that is the user's project).
 */
export function packageVersion(from: string = __dirname): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    try {
      const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (json.name === PACKAGE_NAME && typeof json.version === 'string') return json.version;
    } catch {
      // No package.json here, or not readable JSON: keep walking up.
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}
