import {existsSync, readFileSync, writeFileSync} from "node:fs";
import path from "node:path";
import type {Argv, CommandModule} from "yargs";
import {type ClusterLock, loadClusterLock} from "../../../cluster/index.js";
import {NETWORK_NAMES, namedGenesisValidatorsRoot} from "../../../eth/network.js";
import {
  InterchangeError,
  SLASHING_DB_FILE,
  SlashingProtection,
  SlashingProtectionError,
} from "../../../slashing/index.js";
import {mapShareKeysToValidators} from "../../../slashing/shareKeys.js";
import {fromHex, isHex, toHex} from "../../../util/hex.js";
import {CliError} from "../errors.js";

interface ImportArgs {
  file: string;
  "data-dir": string;
  "genesis-validators-root"?: string;
  network?: string;
  "cluster-lock"?: string;
}

interface ExportArgs {
  file: string;
  "data-dir": string;
  pubkeys?: string[];
}

const importCommand: CommandModule<object, ImportArgs> = {
  command: "import",
  describe: "Import an EIP-3076 interchange file (v5, or v4 complete) into the slashing-protection DB, all or nothing",
  builder: (y) =>
    y
      .option("file", {type: "string", demandOption: true, describe: "Interchange JSON file to import"})
      .option("data-dir", {type: "string", demandOption: true, describe: "Data directory holding the DB"})
      .option("genesis-validators-root", {
        type: "string",
        describe: "Genesis validators root of the chain (0x + 64 hex); must match the file and the DB",
      })
      .option("network", {
        type: "string",
        choices: [...NETWORK_NAMES],
        describe: "Named network, instead of --genesis-validators-root",
      })
      .conflicts("network", "genesis-validators-root")
      .option("cluster-lock", {
        type: "string",
        describe:
          "Cluster lock: the file's keys are key shares (a remote signer's export); record them under the validators' keys",
      })
      .example(
        "$0 slashing-protection import --file interchange.json --data-dir ./data --genesis-validators-root 0x4b36…",
        "",
      )
      .example(
        "$0 slashing-protection import --file signer-export.json --cluster-lock cluster-lock.json --data-dir ./data --genesis-validators-root 0x4b36…",
        "initialise a node's DB from its signer's history",
      ),
  handler: async (args) => {
    const gvr =
      args.network !== undefined ? toHex(namedGenesisValidatorsRoot(args.network)) : args["genesis-validators-root"];
    if (!isHex(gvr, 32)) {
      throw new CliError(
        {code: "CLI_INVALID_ARGUMENT", argument: "genesis-validators-root"},
        "give --network NAME or --genesis-validators-root (0x followed by 64 hex characters)",
      );
    }
    let doc = readJson(args.file);
    if (args["cluster-lock"]) {
      let lock: ClusterLock;
      try {
        lock = await loadClusterLock(args["cluster-lock"]);
      } catch (e) {
        throw new CliError({code: "CLI_COMMAND_FAILED"}, `${(e as Error).message}; nothing was imported`);
      }
      const shareToValidator = new Map(
        lock.validators.flatMap((v) =>
          v.publicKeyShares.map((s) => [s.toLowerCase(), v.publicKey.toLowerCase()] as const),
        ),
      );
      try {
        doc = mapShareKeysToValidators(doc, shareToValidator);
      } catch (e) {
        throw asCliError(e, `nothing was imported from ${args.file}`);
      }
    }
    const db = openDb(args["data-dir"], fromHex(gvr, 32));
    try {
      const s = db.importInterchange(doc);
      process.stdout.write(
        `imported ${args.file}: ${s.validators} validators, ${s.blocksImported} blocks, ` +
          `${s.attestationsImported} attestations (${s.duplicatesSkipped} already present)\n`,
      );
    } catch (e) {
      throw asCliError(e, `nothing was imported from ${args.file}`);
    } finally {
      db.close();
    }
  },
};

const exportCommand: CommandModule<object, ExportArgs> = {
  command: "export",
  describe: "Export the slashing-protection DB as an EIP-3076 v5 interchange file",
  builder: (y) =>
    y
      .option("file", {type: "string", demandOption: true, describe: "Interchange JSON file to write"})
      .option("data-dir", {type: "string", demandOption: true, describe: "Data directory holding the DB"})
      .option("pubkeys", {
        type: "string",
        array: true,
        describe: "Only these validator public keys (0x + 96 hex, space or comma separated); default all",
      })
      .example("$0 slashing-protection export --file interchange.json --data-dir ./data", ""),
  handler: (args) => {
    const pubkeys = args.pubkeys
      ?.flatMap((p) => p.split(","))
      .filter((p) => p.length > 0)
      .map((p) => {
        if (!isHex(p, 48)) {
          throw new CliError(
            {code: "CLI_INVALID_ARGUMENT", argument: "pubkeys"},
            `not a BLS public key (0x + 96 hex): ${p}`,
          );
        }
        return fromHex(p, 48);
      });
    if (!existsSync(path.join(args["data-dir"], SLASHING_DB_FILE))) {
      throw new CliError({code: "CLI_COMMAND_FAILED"}, `no slashing-protection DB in ${args["data-dir"]}`);
    }
    const db = openDb(args["data-dir"]);
    try {
      const doc = db.exportInterchange(pubkeys);
      writeFileSync(args.file, `${JSON.stringify(doc, null, 2)}\n`);
      process.stdout.write(`exported ${doc.data.length} validators to ${args.file}\n`);
    } finally {
      db.close();
    }
  },
};

export const slashingProtectionCommand: CommandModule = {
  command: "slashing-protection <command>",
  describe: "Import or export the EIP-3076 slashing-protection DB",
  builder: (y: Argv) => y.command(importCommand).command(exportCommand).demandCommand(1),
  handler: () => {},
};

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new CliError({code: "CLI_COMMAND_FAILED"}, `cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(
      {code: "CLI_COMMAND_FAILED"},
      `${file} is not valid JSON (${(e as Error).message}); nothing was imported`,
    );
  }
}

function openDb(dataDir: string, genesisValidatorsRoot?: Uint8Array): SlashingProtection {
  try {
    return SlashingProtection.open({dataDir, genesisValidatorsRoot});
  } catch (e) {
    throw asCliError(e, `cannot open the slashing-protection DB in ${dataDir}`);
  }
}

function asCliError(e: unknown, context: string): unknown {
  if (e instanceof InterchangeError || e instanceof SlashingProtectionError) {
    return new CliError({code: "CLI_COMMAND_FAILED"}, `${e.message}; ${context}`);
  }
  return e;
}
