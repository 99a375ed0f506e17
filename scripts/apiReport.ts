/**
 * The public API reports: one `etc/<entry>.api.md` per package entry point, made by
 * @microsoft/api-extractor from the built declarations (lib/, `npm run build` first).
 * `--check` (CI, `npm test`): fails, printing the difference, when the API differs from the committed
 * report; without it the reports are rewritten (`npm run api:update`, then commit etc/).
 */
import {mkdirSync, readFileSync} from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {Extractor, ExtractorConfig, ExtractorLogLevel, type ExtractorMessage} from "@microsoft/api-extractor";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const check = process.argv.includes("--check");

interface PackageJson {
  exports: Record<string, string | {types: string; import: string}>;
}
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as PackageJson;

/** "." → "cohort", "./slashing" → "cohort-slashing". */
function reportName(entry: string): string {
  return entry === "." ? "cohort" : `cohort-${entry.slice(2)}`;
}

mkdirSync(path.join(root, "etc"), {recursive: true});
let failed = 0;
for (const [entry, target] of Object.entries(pkg.exports)) {
  if (typeof target === "string") continue; // ./package.json
  const name = reportName(entry);
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: root,
      // LF like every other file of the repository (api-extractor writes CRLF by default).
      newlineKind: "lf",
      mainEntryPointFilePath: path.join(root, target.types),
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            target: "ES2023",
            lib: ["ES2024"],
            module: "NodeNext",
            moduleResolution: "NodeNext",
            strict: true,
            skipLibCheck: true,
            types: ["node"],
          },
          files: [path.join(root, target.types)],
        },
      },
      apiReport: {
        enabled: true,
        reportFileName: name,
        reportFolder: path.join(root, "etc"),
        reportTempFolder: path.join(root, ".tmp", "api"),
      },
      docModel: {enabled: false},
      dtsRollup: {enabled: false},
      tsdocMetadata: {enabled: false},
      messages: {
        compilerMessageReporting: {default: {logLevel: ExtractorLogLevel.Warning}},
        extractorMessageReporting: {
          default: {logLevel: ExtractorLogLevel.Warning},
          // A type reachable from the API but not exported by name stays listed in the report.
          "ae-forgotten-export": {logLevel: ExtractorLogLevel.None, addToApiReportFile: true},
          "ae-missing-release-tag": {logLevel: ExtractorLogLevel.None, addToApiReportFile: false},
          "ae-unresolved-link": {logLevel: ExtractorLogLevel.None, addToApiReportFile: false},
          "ae-undocumented": {logLevel: ExtractorLogLevel.None, addToApiReportFile: false},
        },
        tsdocMessageReporting: {default: {logLevel: ExtractorLogLevel.None}},
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: path.join(root, "package.json"),
  });
  const result = Extractor.invoke(config, {
    localBuild: !check,
    messageCallback: (message: ExtractorMessage) => {
      // The report comparison is ours to print; the compiler's version notice is noise.
      if (
        message.messageId === "console-api-report-changed" ||
        message.messageId === "console-compiler-version-notice"
      ) {
        message.handled = true;
      }
    },
  });
  if (result.errorCount > 0) {
    failed++;
    console.error(`${entry}: api-extractor reported ${result.errorCount} error(s)`);
  } else if (result.apiReportChanged) {
    if (check) {
      failed++;
      console.error(
        `${entry}: the public API differs from etc/${name}.api.md (compare .tmp/api/${name}.api.md);` +
          " if the change is meant, run `npm run api:update` and commit etc/",
      );
    } else console.log(`${entry}: etc/${name}.api.md updated`);
  } else console.log(`${entry}: API unchanged (etc/${name}.api.md)`);
}
process.exitCode = failed > 0 ? 1 : 0;
