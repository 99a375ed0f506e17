import {selectPresetFromBeaconNode} from "./preset.js";

const argv = process.argv.slice(2);
// Before anything loads @lodestar/params: the chain's preset decides its constants.
await selectPresetFromBeaconNode(argv);
const {runCli} = await import("./cli.js");
process.exitCode = await runCli(argv);
