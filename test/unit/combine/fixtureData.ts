import {SecretKey} from "@chainsafe/blst";
import {type ClusterPlan, planCluster} from "../../../src/cluster/create.js";
import type {ClusterNetwork} from "../../../src/cluster/networks.js";
import {seededRandom} from "../../../src/cluster/random.js";
import {recoverSecretKey} from "../../../src/cluster/shamir.js";
import {toHex} from "../../../src/util/hex.js";

/** The fixture's parameters: fixtures/combine/README.md documents them. */
export const FIXTURE = {
  seed: "cohort/fixtures/combine/v1",
  nodes: 4,
  threshold: 3,
  validators: 2,
  /** Signing root every share and expected signature signs (32 bytes of 0x42). */
  signingRoot: `0x${"42".repeat(32)}`,
  kdf: {function: "pbkdf2", cost: 16},
  /** Creation time (ms): the timestamp of the lock's builder registrations. */
  createdAtMs: Date.UTC(2026, 11, 7),
} as const;

export interface FixtureExpected {
  note: string;
  seed: string;
  nodes: number;
  threshold: number;
  network: ClusterNetwork;
  lockHash: string;
  signingRoot: string;
  validators: {
    publicKey: string;
    secretKey: string;
    signature: string;
    shares: {index: number; secretKey: string; publicKey: string; signature: string}[];
  }[];
}

/** Rebuilds the fixture's plan and expected values from the seed alone. */
export function buildFixture(network: ClusterNetwork): {plan: ClusterPlan; expected: FixtureExpected} {
  const plan = planCluster(
    {nodes: FIXTURE.nodes, threshold: FIXTURE.threshold, validators: FIXTURE.validators, network},
    {random: seededRandom(FIXTURE.seed), now: () => FIXTURE.createdAtMs},
  );
  const root = Buffer.from(FIXTURE.signingRoot.slice(2), "hex");
  const validators = plan.shares.map((shares, v) => {
    const secret = recoverSecretKey(
      shares.map((s, i) => ({index: i + 1, secret: s})),
      FIXTURE.threshold,
    );
    const sk = SecretKey.fromBytes(secret);
    return {
      publicKey: plan.lock.validators[v].publicKey,
      secretKey: toHex(secret),
      signature: toHex(sk.sign(root).toBytes()),
      shares: shares.map((s, i) => {
        const share = SecretKey.fromBytes(s);
        return {
          index: i + 1,
          secretKey: toHex(s),
          publicKey: toHex(share.toPublicKey().toBytes()),
          signature: toHex(share.sign(root).toBytes()),
        };
      }),
    };
  });
  return {
    plan,
    expected: {
      note: "TEST KEYS ONLY: derived from a public seed; never use them for real validators",
      seed: FIXTURE.seed,
      nodes: FIXTURE.nodes,
      threshold: FIXTURE.threshold,
      network,
      lockHash: plan.lock.lockHash,
      signingRoot: FIXTURE.signingRoot,
      validators,
    },
  };
}
