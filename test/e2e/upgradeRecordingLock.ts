// Rewrites the v1 cluster lock of fixtures/lodestar-vc-v1.22/recording.json as a v2 lock (run once:
// npx tsx test/e2e/upgradeRecordingLock.ts). The recorded cluster's validator keys are the public
// interop keys 4..7, so its builder registrations are signed with them; its operators' identity keys
// were not kept, so the v2 lock has new ones (from a public seed) at the same addresses: the replay
// uses only the validators and operator 0's key shares, which are unchanged.
import {readFile, writeFile} from "node:fs/promises";
import path from "node:path";
import {SecretKey} from "@chainsafe/blst";
import {executionWithdrawalCredentials} from "../../src/cluster/deposit.js";
import {
  CLUSTER_LOCK_VERSION,
  type ClusterLockV1,
  parseClusterLock,
  parseClusterLockV1,
  peerIdOfIdentityKey,
  sealClusterLock,
  seededRandom,
  serializeClusterLock,
  signBuilderRegistration,
} from "../../src/cluster/index.js";
import {interopSecretKeys} from "../../src/devnet/interop.js";
import {IdentityKey} from "../../src/p2p/identity.js";
import {toHex} from "../../src/util/hex.js";

const file = path.join(import.meta.dirname, "../../fixtures/lodestar-vc-v1.22/recording.json");
/** The fee recipient the recorded VC asked for (prepare_beacon_proposer, block production). */
const FEE_RECIPIENT = "0x00000000000000000000000000000000000000aa";
const FIRST_INDEX = 4;

const text = await readFile(file, "utf8");
const recording = JSON.parse(text) as {clusterLock: unknown; recordedWith: {chain: {genesisTime: number}}};
const v1: ClusterLockV1 = await parseClusterLockV1(recording.clusterLock, "recording.json clusterLock");
const secrets = interopSecretKeys({from: FIRST_INDEX, to: FIRST_INDEX + v1.validators.length - 1});
secrets.forEach((s, v) => {
  if (toHex(SecretKey.fromBytes(s).toPublicKey().toBytes()) !== v1.validators[v].publicKey)
    throw new Error(`validator ${v} is not interop index ${FIRST_INDEX + v}`);
});
const random = seededRandom("cohort/fixtures/lodestar-vc-v1.22/operators");
const identities = v1.operators.map(() => IdentityKey.generate(random));
const credentials = toHex(executionWithdrawalCredentials(FEE_RECIPIENT, false));
const lock = sealClusterLock(
  {
    version: CLUSTER_LOCK_VERSION,
    network: v1.network,
    threshold: v1.threshold,
    operators: v1.operators.map((o, i) => ({
      identityPublicKey: toHex(identities[i].publicKey),
      peerId: peerIdOfIdentityKey(identities[i].publicKey),
      multiaddrs: o.multiaddrs,
    })),
    validators: v1.validators.map((v, i) => ({
      ...v,
      feeRecipient: FEE_RECIPIENT,
      withdrawalCredentials: credentials,
      depositAmountGwei: 32_000_000_000,
      builderRegistration: signBuilderRegistration(
        secrets[i],
        {feeRecipient: FEE_RECIPIENT, gasLimit: 60_000_000, timestamp: recording.recordedWith.chain.genesisTime},
        v1.network.genesisForkVersion,
      ),
    })),
  },
  identities,
);
await parseClusterLock(JSON.parse(serializeClusterLock(lock)));
// Replace the clusterLock value in place, keeping the rest of the file byte for byte.
const start = text.indexOf('"clusterLock": ');
const open = start + '"clusterLock": '.length;
let depth = 0;
let end = open;
for (; end < text.length; end++) {
  if (text[end] === "{") depth++;
  else if (text[end] === "}" && --depth === 0) break;
}
const value = JSON.stringify(JSON.parse(serializeClusterLock(lock)), null, 1).replaceAll("\n", "\n ");
await writeFile(file, text.slice(0, open) + value + text.slice(end + 1));
process.stdout.write(`recording.json: clusterLock is now ${CLUSTER_LOCK_VERSION}, lock hash ${lock.lockHash}\n`);
