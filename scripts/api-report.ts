/**
 * The public API report (`npm run api`, run by `npm test`): API Extractor (api-extractor.json) reads
 * the built declarations of the package root and compares its report with api/cdktf-kamaji.api.md.
 *
 *   npm run api              fail when the public API differs from the committed report (prints the diff)
 *   npm run api -- --local   rewrite the report; review the diff and commit it with the change
 */
import * as path from 'node:path';
import { ConsoleMessageId, Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';

const ROOT = path.join(__dirname, '..', '..');
const REPORT = 'api/cdktf-kamaji.api.md';
const local = process.argv.slice(2).includes('--local');

const config = ExtractorConfig.loadFileAndPrepare(path.join(ROOT, 'api-extractor.json'));
const result = Extractor.invoke(config, {
  localBuild: local,
  printApiReportDiff: true,
  messageCallback: (message) => {
    switch (message.messageId) {
      case ConsoleMessageId.Preamble:
      case ConsoleMessageId.CompilerVersionNotice:
        message.logLevel = ExtractorLogLevel.None;
        break;
      case ConsoleMessageId.ApiReportNotCopied:
        message.logLevel = ExtractorLogLevel.None;
        process.stderr.write(
          `The public API (src/index.ts and what it exports) no longer matches ${REPORT}.\n` +
            `If the change is intended, update the report with \`npm run api -- --local\`, review its diff ` +
            `and commit it; otherwise restore the API. The differences follow.\n`,
        );
        break;
    }
  },
});

const reportDiffers = result.apiReportChanged && !local;
if (result.succeeded && !reportDiffers) {
  process.stdout.write(
    local && result.apiReportChanged ? `updated ${REPORT}: review and commit it\n` : `${REPORT} is up to date\n`,
  );
} else {
  process.stderr.write(
    reportDiffers
      ? `API report check failed: run \`npm run api -- --local\` and commit ${REPORT}.\n`
      : `API Extractor failed with ${result.errorCount} error(s) and ${result.warningCount} warning(s).\n`,
  );
  process.exitCode = 1;
}
