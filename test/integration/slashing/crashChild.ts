/**
 * Child process of the crash tests: works on a slashing DB until the parent kills it (SIGKILL).
 * `import DIR`: one big interchange import. `batch DIR`: batches of 1,000 validators' attestations,
 * epoch after epoch, reporting each committed epoch on stdout.
 */
import {SlashingProtection} from "../../../src/slashing/index.js";

const [mode, dataDir] = process.argv.slice(2);
const gvr = new Uint8Array(32).fill(7);
const pubkey = (i: number) => {
  const pk = new Uint8Array(48);
  new DataView(pk.buffer).setUint32(0, i + 1);
  return pk;
};
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;
const db = SlashingProtection.open({dataDir, genesisValidatorsRoot: gvr});

export const IMPORT_VALIDATORS = 2000;
export const IMPORT_ATTESTATIONS_PER_VALIDATOR = 60;
export const BATCH_SIZE = 1000;

if (mode === "import") {
  const doc = {
    metadata: {interchange_format_version: "5", genesis_validators_root: hex(gvr)},
    data: Array.from({length: IMPORT_VALIDATORS}, (_, v) => ({
      pubkey: hex(pubkey(v)),
      signed_blocks: [],
      signed_attestations: Array.from({length: IMPORT_ATTESTATIONS_PER_VALIDATOR}, (_, e) => ({
        source_epoch: String(e),
        target_epoch: String(e + 1),
      })),
    })),
  };
  process.stdout.write("importing\n");
  db.importInterchange(doc);
  process.stdout.write("imported\n");
} else if (mode === "batch") {
  process.stdout.write("ready\n");
  for (let epoch = 1; epoch < 100_000; epoch++) {
    db.checkAndInsertAttestations(
      Array.from({length: BATCH_SIZE}, (_, v) => ({
        pubkey: pubkey(v),
        attestation: {sourceEpoch: epoch - 1, targetEpoch: epoch, signingRoot: new Uint8Array(32).fill(epoch % 256)},
      })),
    );
    process.stdout.write(`committed ${epoch}\n`);
  }
}
db.close();
