import type {CommandModule} from "yargs";
import {combineClusterKeys} from "../../../cluster/dissolve.js";
import {readPasswordFile} from "../../../cluster/keystores.js";
import {secureRandom} from "../../../cluster/random.js";
import {defaultThreshold, unsafeThresholdWarning} from "../../../combine/threshold.js";
import {kdfFromArgs, kdfOptions, stderrProgress, toCliError} from "./clusterShared.js";

interface CombineArgs {
  cluster: string;
  out: string;
  "password-file"?: string;
  kdf: string;
  "kdf-cost": number;
}

export const combineCommand: CommandModule<object, CombineArgs> = {
  command: "combine",
  describe: "Dissolve a cluster: recover the full validator keystores from the key shares of t nodes",
  builder: (yargs) =>
    yargs
      .option("cluster", {
        type: "string",
        demandOption: true,
        describe: "Cluster directory: cluster-lock.json and node<i>/ directories of at least t nodes",
      })
      .option("out", {
        type: "string",
        demandOption: true,
        describe: "Directory for the recovered keystores (must not exist or be empty)",
      })
      .option("password-file", {
        type: "string",
        describe: "Password for the recovered keystores (default: a new random one, written to OUT/password.txt)",
      })
      .options(kdfOptions)
      .example("$0 combine --cluster ./cluster --out ./validator-keys", "recover every validator key of ./cluster"),
  handler: async (args) => {
    try {
      const kdf = kdfFromArgs(args);
      const password = args["password-file"] !== undefined ? await readPasswordFile(args["password-file"]) : undefined;
      const progress = stderrProgress();
      const {lock, nodesUsed} = await combineClusterKeys(
        {clusterDir: args.cluster, outDir: args.out, kdf, password},
        {
          random: secureRandom,
          onProgress: (p) =>
            progress({
              stage: p.stage === "decrypt" ? "decrypting node shares" : "writing keystores",
              done: p.done,
              total: p.total,
            }),
        },
      );
      if (lock.threshold < defaultThreshold(lock.operators.length)) {
        // The keys are recovered as asked; the operator should know they may have been recovered before.
        process.stderr.write(
          `WARNING: ${unsafeThresholdWarning(lock.threshold, lock.operators.length)}; treat these keys as possibly known to any ${lock.threshold} operators\n`,
        );
      }
      process.stdout.write(
        `Recovered ${lock.validators.length} validator keys from nodes ${nodesUsed.join(", ")} into ${args.out} (password in ${args.out}/password.txt)\n`,
      );
    } catch (e) {
      throw toCliError(e);
    }
  },
};
