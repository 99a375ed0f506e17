import {readFile} from "node:fs/promises";
import path from "node:path";
import type {CommandModule} from "yargs";
import {parseAddressList, parseDepositAmount} from "../../../cluster/deposit.js";
import {DepositError} from "../../../cluster/errors.js";
import {CLUSTER_LOCK_FILE} from "../../../cluster/lock.js";
import {DEFAULT_GAS_LIMIT} from "../../../cluster/registration.js";
import {CLUSTER_LOCK_V1_BACKUP, upgradeClusterLock} from "../../../cluster/upgrade.js";
import {electraScheduled, isNetworkName, namedChainConfig} from "../../../eth/network.js";
import {CliError} from "../errors.js";
import {toCliError} from "./clusterShared.js";
import {networkConfigOption, readNetworkConfig} from "./networkArgs.js";

interface UpgradeLockArgs {
  cluster: string;
  "withdrawal-address"?: string;
  "fee-recipient"?: string;
  "deposit-amount"?: string;
  compounding?: boolean;
  "gas-limit": number;
  "network-config"?: string;
}

/** What the flags need from the lock before it is fully checked: its validator count and network name. */
async function peek(file: string): Promise<{count: number; network: string} | undefined> {
  try {
    const json = JSON.parse(await readFile(file, "utf8")) as {validators?: unknown; network?: {name?: unknown}};
    if (!Array.isArray(json.validators) || typeof json.network?.name !== "string") return undefined;
    return {count: json.validators.length, network: json.network.name};
  } catch {
    return undefined;
  }
}

export const upgradeLockCommand: CommandModule<object, UpgradeLockArgs> = {
  command: "upgrade-lock",
  describe:
    "Upgrade a v1 cluster directory to lock v2: fee recipients, withdrawal credentials, threshold-signed builder registrations, operator signatures",
  builder: (yargs) =>
    yargs
      .option("cluster", {
        type: "string",
        demandOption: true,
        describe:
          "The dealer's cluster directory (cluster-lock.json v1 and every node<i>/, as create-cluster wrote it)",
      })
      .option("withdrawal-address", {
        type: "string",
        describe:
          "Execution address(es) the validators were deposited with (0x01 credentials): one for all or one per validator (default: validators.json's)",
      })
      .option("fee-recipient", {
        type: "string",
        describe:
          "Fee recipient(s): one for all or one per validator (default: validators.json's, else the withdrawal address)",
      })
      .option("deposit-amount", {
        type: "string",
        describe: "Deposit per validator, as create-cluster takes it (default 32)",
      })
      .option("compounding", {type: "boolean", describe: "0x02 (compounding) credentials; networks with Electra only"})
      .option("gas-limit", {
        type: "number",
        default: DEFAULT_GAS_LIMIT,
        describe: "Gas limit of the builder registrations (Lodestar's default)",
      })
      .option("network-config", networkConfigOption)
      .example(
        "$0 upgrade-lock --cluster ./cluster --withdrawal-address 0x…",
        "upgrade ./cluster; each v1 lock is kept as cluster-lock.v1.json",
      ),
  handler: async (args) => {
    try {
      const lockFile = path.join(args.cluster, CLUSTER_LOCK_FILE);
      const info = await peek(lockFile);
      const withdrawal = args["withdrawal-address"];
      const compounding = args.compounding ?? false;
      if (withdrawal === undefined && (args["deposit-amount"] !== undefined || compounding)) {
        throw new CliError(
          {code: "CLI_INVALID_ARGUMENT", argument: "withdrawal-address"},
          `--${compounding ? "compounding" : "deposit-amount"} needs --withdrawal-address`,
        );
      }
      if (compounding && info !== undefined) {
        const config =
          args["network-config"] !== undefined
            ? readNetworkConfig(args["network-config"])
            : isNetworkName(info.network)
              ? namedChainConfig(info.network)
              : undefined;
        if (config === undefined || !electraScheduled(config)) {
          throw new DepositError(
            {code: "DEPOSIT_COMPOUNDING_UNSUPPORTED", network: info.network},
            config === undefined
              ? `--compounding: cohort does not know whether ${info.network} has Electra; give its config.yaml with --network-config`
              : `--compounding: ${info.network} has no Electra fork scheduled, so 0x02 credentials do not exist there`,
          );
        }
      }
      const gasLimit = args["gas-limit"];
      if (!Number.isSafeInteger(gasLimit) || gasLimit < 1) {
        throw new CliError(
          {code: "CLI_INVALID_ARGUMENT", argument: "gas-limit"},
          "--gas-limit must be a positive integer",
        );
      }
      const count = info?.count ?? 0;
      const lock = await upgradeClusterLock({
        clusterDir: args.cluster,
        withdrawalAddresses:
          withdrawal !== undefined && info !== undefined
            ? parseAddressList(withdrawal, count, "--withdrawal-address")
            : undefined,
        feeRecipients:
          args["fee-recipient"] !== undefined && info !== undefined
            ? parseAddressList(args["fee-recipient"], count, "--fee-recipient")
            : undefined,
        amountGwei:
          args["deposit-amount"] !== undefined ? parseDepositAmount(args["deposit-amount"], compounding) : undefined,
        compounding,
        gasLimit,
      });
      process.stdout.write(
        `Upgraded ${args.cluster} to ${lock.version}: ${lock.validators.length} validators, lock hash ${lock.lockHash}, signed by all ${lock.operators.length} operators\n` +
          `the v1 locks are kept as ${CLUSTER_LOCK_V1_BACKUP}; hand each operator its new node<i>/cluster-lock.json\n`,
      );
    } catch (e) {
      throw toCliError(e);
    }
  },
};
