import {readFileSync} from "node:fs";
import type {ChainConfig} from "@lodestar/config";
import {chainConfigFromYaml} from "../../../eth/network.js";
import {CliError} from "../errors.js";

/** `--network-config FILE`: a consensus-specs config.yaml (as devnets publish it) read into a chain config. */
export function readNetworkConfig(file: string): ChainConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new CliError(
      {code: "CLI_INVALID_ARGUMENT", argument: "network-config"},
      `cannot read ${file}: ${(e as Error).message}`,
    );
  }
  try {
    return chainConfigFromYaml(text, file);
  } catch (e) {
    throw new CliError({code: "CLI_INVALID_ARGUMENT", argument: "network-config"}, (e as Error).message);
  }
}

export const networkConfigOption = {
  type: "string",
  describe:
    "Custom chain: its consensus-specs config.yaml (as devnets publish it); the genesis validators root comes from --genesis-validators-root",
} as const;
