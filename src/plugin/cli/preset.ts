import {readFileSync} from "node:fs";
import {parse as parseYaml} from "yaml";

/** The preset of each named network whose preset is not mainnet (checked against @lodestar/config by a test). */
export const NETWORK_PRESETS: Record<string, string> = {gnosis: "gnosis", chiado: "gnosis"};

/**
 * `@lodestar/params` fixes the preset (mainnet, minimal, …) when it is first imported, from
 * LODESTAR_PRESET. A node's preset is its beacon node's, so before anything imports params, `cohort run`
 * asks the first reachable BN of its options for `PRESET_BASE` and sets LODESTAR_PRESET. This module
 * must import nothing that imports @lodestar/params.
 */
export async function selectPresetFromBeaconNode(argv: string[]): Promise<void> {
  if (process.env.LODESTAR_PRESET) return;
  const fromNetwork = presetOfNetworkArgs(argv);
  if (fromNetwork !== undefined) {
    process.env.LODESTAR_PRESET = fromNetwork;
    return;
  }
  if (argv[0] === "devnet") {
    // Against an external BN (`--beacon-node URL`), its preset; the devnet's own chain uses the minimal
    // preset: 8-slot epochs show a whole epoch in seconds.
    const external = flagValue(argv, "--beacon-node");
    if (external === undefined) process.env.LODESTAR_PRESET = "minimal";
    else await selectPresetOf([external]);
    return;
  }
  if (argv[0] !== "run") return;
  await selectPresetOf(beaconNodeUrls(argv));
}

/**
 * The preset a command's `--network NAME` or `--network-config config.yaml` implies, if any (a bad file
 * is left for the command to report, with the file and field).
 */
export function presetOfNetworkArgs(argv: string[]): string | undefined {
  const file = flagValue(argv, "--network-config");
  if (file !== undefined) {
    try {
      const preset = (parseYaml(readFileSync(file, "utf8"), {schema: "failsafe"}) as {PRESET_BASE?: unknown} | null)
        ?.PRESET_BASE;
      if (typeof preset === "string" && /^[a-z]+$/.test(preset)) return preset;
    } catch {
      // Reported by the command.
    }
    return undefined;
  }
  const name = flagValue(argv, "--network");
  return name !== undefined ? NETWORK_PRESETS[name] : undefined;
}

/** Sets LODESTAR_PRESET to the PRESET_BASE of the first of `urls` that answers. */
async function selectPresetOf(urls: string[]): Promise<void> {
  for (const url of urls) {
    try {
      const res = await fetch(`${url.replace(/\/+$/, "")}/eth/v1/config/spec`, {signal: AbortSignal.timeout(5000)});
      if (!res.ok) continue;
      const preset = ((await res.json()) as {data?: {PRESET_BASE?: unknown}}).data?.PRESET_BASE;
      if (typeof preset === "string" && /^[a-z]+$/.test(preset)) {
        process.env.LODESTAR_PRESET = preset;
        return;
      }
    } catch {
      // Unreachable now: the node reports it properly when it starts.
    }
  }
}

/** The value of a single-valued flag (`--flag value` or `--flag=value`), or undefined. */
export function flagValue(argv: string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag && i + 1 < argv.length) return argv[i + 1];
    if (argv[i].startsWith(`${flag}=`)) return argv[i].slice(flag.length + 1);
  }
  return undefined;
}

/** The `--beacon-nodes` values (space, comma or `=` separated), or those of the `--config` file. */
export function beaconNodeUrls(argv: string[]): string[] {
  const urls: string[] = [];
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--config") configFile = argv[i + 1];
    else if (arg.startsWith("--config=")) configFile = arg.slice("--config=".length);
    else if (arg.startsWith("--beacon-nodes=")) urls.push(arg.slice("--beacon-nodes=".length));
    else if (arg === "--beacon-nodes") {
      for (let j = i + 1; j < argv.length && !argv[j].startsWith("--"); j++) urls.push(argv[j]);
    }
  }
  if (urls.length === 0 && configFile) {
    try {
      const value = (JSON.parse(readFileSync(configFile, "utf8")) as Record<string, unknown>)["beacon-nodes"];
      if (Array.isArray(value)) urls.push(...value.map(String));
      else if (typeof value === "string") urls.push(value);
    } catch {
      // The CLI reports a bad config file itself.
    }
  }
  return urls.flatMap((u) => u.split(",")).filter((u) => u.length > 0);
}
