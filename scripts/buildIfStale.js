// `npm run build` unless lib/ is newer than every file of src/ (`npm ci` has just built it, e.g. in CI):
// one TypeScript build less before the API check.
import {execSync} from "node:child_process";
import {existsSync} from "node:fs";

const cliEntry = new URL("../lib/devnet/cliEntry.js", import.meta.url);
const reason = existsSync(cliEntry)
  ? (await import(cliEntry.href)).resolveCliEntry().fallbackReason
  : "lib/ is not built";
if (reason === null) {
  console.log("lib/ is up to date with src/: not rebuilt");
} else {
  console.log(`${reason}: building`);
  execSync("npm run build", {stdio: "inherit"});
}
