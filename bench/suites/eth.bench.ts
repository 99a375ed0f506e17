import {SecretKey} from "@chainsafe/blst";
import {ForkName} from "@lodestar/params";
import {ssz, sszTypesFor} from "@lodestar/types";
import {SignerServer} from "../../src/eth/signerServer.js";
import {blockToSignable, type SignableMessage, signingRootOnNetwork} from "../../src/eth/signing.js";
import {verifies, Web3SignerClient} from "../../src/eth/web3signer.js";
import {SlashingProtection} from "../../src/slashing/index.js";
import {nullLogger} from "../../src/util/logger.js";
import {slotInFork, TEST_GENESIS_VALIDATORS_ROOT, testConfig} from "../../test/unit/eth/sampleMessages.js";
import {type BenchResult, type BenchSuite, measure} from "../harness.js";

/**
 * Signing-root computation (attestation; an Electra block reduced to its header) and a full sign round
 * trip to `cohort signer` over loopback HTTP: request body, server-side root recomputation, slashing DB
 * check (in-memory), BLS sign, and the client's BLS verification of the answer.
 */
const suite: BenchSuite = {
  name: "eth",
  async run(): Promise<BenchResult[]> {
    const config = testConfig();
    const results: BenchResult[] = [];
    const slot = slotInFork(ForkName.electra);

    let epoch = 1;
    const attestationRoot = await measure(
      () => {
        // A fresh object each time: ssz caches roots on objects it has hashed.
        const data = ssz.phase0.AttestationData.defaultValue();
        data.slot = slot;
        data.target.epoch = epoch++;
        signingRootOnNetwork(config, {type: "ATTESTATION", data});
      },
      {minTimeMs: 1000, minIterations: 200},
    );
    results.push({suite: "eth", name: "attestation signing root", value: attestationRoot.meanMs * 1000, unit: "µs"});

    const block = sszTypesFor(ForkName.electra).BeaconBlock.defaultValue();
    block.slot = slot;
    const blockRoot = await measure(
      () => {
        const b = sszTypesFor(ForkName.electra).BeaconBlock.clone(block);
        signingRootOnNetwork(config, {type: "BLOCK_V2", data: blockToSignable(config, b, false)});
      },
      {minTimeMs: 1000, minIterations: 50},
    );
    results.push({
      suite: "eth",
      name: "Electra block (empty body) to header + signing root",
      value: blockRoot.meanMs * 1000,
      unit: "µs",
    });

    const sk = SecretKey.fromKeygen(new Uint8Array(32).fill(1));
    const pubkey = sk.toPublicKey().toBytes();
    const db = SlashingProtection.open({dataDir: ":memory:", genesisValidatorsRoot: TEST_GENESIS_VALIDATORS_ROOT});
    const server = new SignerServer(
      {
        address: "127.0.0.1",
        port: 0,
        genesisForkVersion: config.GENESIS_FORK_VERSION,
        genesisValidatorsRoot: TEST_GENESIS_VALIDATORS_ROOT,
      },
      {keys: [{pubkey, secretKey: sk}], slashingProtection: db, logger: nullLogger()},
    );
    const blsOnly = await measure(
      () => {
        const root = new Uint8Array(32).fill(epoch++ & 0xff);
        verifies(pubkey, root, sk.sign(root).toBytes());
      },
      {minTimeMs: 1000, minIterations: 50},
    );
    results.push({
      suite: "eth",
      name: "BLS sign + verify alone (the cryptographic floor of a round trip)",
      value: blsOnly.medianMs,
      unit: "ms",
    });
    try {
      const url = await server.listen();
      const client = new Web3SignerClient({url}, {config, logger: nullLogger()});
      let target = 10;
      const roundTrip = await measure(
        async () => {
          const data = ssz.phase0.AttestationData.defaultValue();
          data.slot = target * 32;
          data.source.epoch = target - 1;
          data.target.epoch = target++;
          const msg: SignableMessage = {type: "ATTESTATION", data};
          await client.sign(pubkey, msg);
        },
        {minTimeMs: 2000, minIterations: 50},
      );
      results.push({
        suite: "eth",
        name: "ATTESTATION sign round trip to cohort signer (loopback HTTP, slashing check, verify)",
        value: roundTrip.medianMs,
        unit: "ms",
        note: `p99 ${roundTrip.p99Ms.toFixed(2)} ms over ${roundTrip.iterations} signings; ${(roundTrip.medianMs / blsOnly.medianMs).toFixed(1)}× the BLS floor`,
      });
    } finally {
      await server.close();
      db.close();
    }
    return results;
  },
};

export default suite;
