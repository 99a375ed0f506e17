import {expect} from "chai";
import {planCluster} from "../../../src/cluster/create.js";
import {ClusterError} from "../../../src/cluster/errors.js";
import {
  type ClusterLock,
  computeLockHash,
  parseClusterLock,
  publicKeySharesOf,
  sealClusterLock,
  serializeClusterLock,
  validatorKeysFromLock,
} from "../../../src/cluster/lock.js";
import {knownNetwork, resolveNetwork} from "../../../src/cluster/networks.js";
import {seededRandom} from "../../../src/cluster/random.js";
import {initHerumi} from "../../../src/combine/herumi.js";
import {toHex} from "../../../src/util/hex.js";

type Json = null | boolean | number | string | Json[] | {[k: string]: Json};

/** Every leaf of a JSON value with its path, e.g. ["validators", 0, "public_key_shares", 2]. */
function leaves(value: Json, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...at, i]));
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...at, k]));
  return [at];
}

function mutate(json: Json, at: (string | number)[]): Json {
  const copy = structuredClone(json) as Json;
  let parent = copy as {[k: string]: Json};
  for (const k of at.slice(0, -1)) parent = parent[k] as {[k: string]: Json};
  const key = at[at.length - 1];
  const old = parent[key];
  if (typeof old === "number") parent[key] = old + 1;
  else if (typeof old === "string" && old.startsWith("0x")) {
    // Change one hex digit in the middle: same length, still hex.
    const i = Math.floor(old.length / 2);
    parent[key] = old.slice(0, i) + (old[i] === "0" ? "1" : "0") + old.slice(i + 1);
  } else if (typeof old === "string") parent[key] = `${old}x`;
  return copy;
}

async function expectField(json: unknown, field: string | RegExp): Promise<void> {
  try {
    await parseClusterLock(json);
  } catch (e) {
    expect(e).to.be.instanceOf(ClusterError);
    const err = e as ClusterError;
    expect(err.code).to.equal("CLUSTER_LOCK_INVALID_FIELD");
    const named = (err.type as {field: string}).field;
    if (typeof field === "string") expect(named).to.equal(field);
    else expect(named).to.match(field);
    return;
  }
  expect.fail(`lock accepted; expected an error naming ${field}`);
}

const hoodi = knownNetwork("hoodi");
const sepolia = knownNetwork("sepolia");

describe("cluster/lock", () => {
  before(() => initHerumi());

  const plan = planCluster({nodes: 4, validators: 2, network: hoodi}, {random: seededRandom("lock-test")});
  const lock = plan.lock;
  const json = JSON.parse(serializeClusterLock(lock)) as Json;
  const resealed = (edit: (l: ClusterLock) => void, identities = plan.identities): Json => {
    const copy = structuredClone(lock);
    edit(copy);
    return JSON.parse(serializeClusterLock(sealClusterLock(copy, identities))) as Json;
  };
  /** The edit with its hash recomputed but the operator signatures left as they were (what a tamperer can do). */
  const rehashed = (edit: (l: ClusterLock) => void): Json => {
    const copy = structuredClone(lock);
    edit(copy);
    return JSON.parse(
      serializeClusterLock({...copy, lockHash: computeLockHash(copy), operatorSignatures: lock.operatorSignatures}),
    ) as Json;
  };
  const expectOperatorSignature = async (value: unknown, operatorIndex: number, reason: RegExp): Promise<void> => {
    try {
      await parseClusterLock(value, "x/cluster-lock.json");
    } catch (e) {
      expect(e).to.be.instanceOf(ClusterError);
      const err = e as ClusterError;
      expect(err.code, err.message).to.equal("CLUSTER_LOCK_OPERATOR_SIGNATURE");
      expect((err.type as {operatorIndex: number}).operatorIndex).to.equal(operatorIndex);
      expect(err.message).to.match(/^x\/cluster-lock\.json: operator_signatures\[\d+\] of operator \d+ /);
      expect(err.message).to.match(reason);
      return;
    }
    expect.fail("lock accepted; expected an operator signature error");
  };

  it("round-trips: serialized and parsed back, the lock is equal", async () => {
    expect(await parseClusterLock(JSON.parse(serializeClusterLock(lock)))).to.deep.equal(lock);
    expect(lock.threshold).to.equal(3);
    expect(lock.operators.map((o) => o.multiaddrs[0])).to.deep.equal(
      [9000, 9001, 9002, 9003].map((p) => `/ip4/127.0.0.1/tcp/${p}`),
    );
  });

  it("tampering with any field is caught", async () => {
    const paths = leaves(json);
    expect(paths.length).to.be.greaterThan(20);
    for (const at of paths) {
      let caught = false;
      try {
        await parseClusterLock(mutate(json, at));
      } catch (e) {
        expect(e, at.join(".")).to.be.instanceOf(ClusterError);
        caught = true;
      }
      expect(caught, `tampered ${at.join(".")} was accepted`).to.equal(true);
    }
  });

  it("an edit with a recomputed hash is still caught by the field checks, naming the field", async () => {
    await expectField(
      resealed((l) => {
        l.threshold = 5;
      }),
      "threshold",
    );
    await expectField(
      resealed((l) => {
        l.threshold = 0;
      }),
      "threshold",
    );
    await expectField(
      resealed((l) => {
        l.validators[1].publicKeyShares.pop();
      }),
      "validators[1].public_key_shares",
    );
    await expectField(
      resealed((l) => {
        // A valid G1 point that is another validator's share: breaks interpolation.
        l.validators[0].publicKeyShares[3] = l.validators[1].publicKeyShares[3];
      }),
      "validators[0].public_key_shares",
    );
    await expectField(
      resealed((l) => {
        l.validators[0].publicKeyShares[1] = `0x${"ab".repeat(48)}`;
      }),
      "validators[0].public_key_shares[1]",
    );
    await expectField(
      resealed((l) => {
        l.validators[1].publicKey = l.validators[0].publicKey;
      }),
      "validators[1].public_key",
    );
    await expectField(
      resealed((l) => {
        l.operators[2].peerId = l.operators[1].peerId;
      }),
      "operators[2].peer_id",
    );
    await expectField(
      resealed(
        (l) => {
          l.operators[3].identityPublicKey = l.operators[0].identityPublicKey;
        },
        [...plan.identities.slice(0, 3), plan.identities[0]],
      ),
      "operators[3].identity_public_key",
    );
    await expectField(
      resealed((l) => {
        l.operators[0].multiaddrs = ["not-a-multiaddr"];
      }),
      "operators[0].multiaddrs[0]",
    );
    await expectField(
      resealed((l) => {
        l.network.genesisValidatorsRoot = sepolia.genesisValidatorsRoot;
      }),
      "network.genesis_validators_root",
    );
    await expectField(
      resealed((l) => {
        l.network.genesisForkVersion = "0x00000000";
      }),
      "network.genesis_fork_version",
    );
    await expectField(
      resealed((l) => {
        l.validators[0].publicKey = l.validators[0].publicKey.toUpperCase().replace("0X", "0x");
      }),
      "validators[0].public_key",
    );
    await expectField(
      resealed((l) => {
        l.operators[1].multiaddrs = ["/ip4/127.0.0.1/tcp/70000"];
      }),
      "operators[1].multiaddrs[0]",
    );
    await expectField(
      resealed((l) => {
        l.validators = [];
      }),
      "validators",
    );
    await expectField({...(json as object), extra: 1}, "extra");
    const {lock_hash: _drop, ...noHash} = json as {[k: string]: Json};
    await expectField(noHash, "lock_hash");
    await expectField([], "");
  });

  it("v2 fields: fee recipient, withdrawal credentials, deposit amount and builder registration are checked, naming the field", async () => {
    const v0 = lock.validators[0];
    expect(v0.feeRecipient).to.match(/^0x[0-9a-f]{40}$/);
    expect(v0.feeRecipient).to.not.equal(`0x${"00".repeat(20)}`);
    expect(v0.feeRecipient).to.not.equal(lock.validators[1].feeRecipient);
    expect(v0.withdrawalCredentials).to.equal(`0x01${"00".repeat(11)}${v0.feeRecipient.slice(2)}`);
    expect(v0.depositAmountGwei).to.equal(32_000_000_000);
    expect(v0.builderRegistration.message).to.deep.include({
      feeRecipient: v0.feeRecipient,
      gasLimit: 60_000_000,
      pubkey: v0.publicKey,
    });
    const j = json as {
      validators: {deposit_amount_gwei: unknown; builder_registration: {message: {gas_limit: unknown}}}[];
    };
    expect(j.validators[0].deposit_amount_gwei).to.equal("32000000000");
    expect(j.validators[0].builder_registration.message.gas_limit).to.equal("60000000");

    const other = `0x${"77".repeat(20)}`;
    await expectField(
      resealed((l) => {
        l.validators[0].feeRecipient = other;
      }),
      "validators[0].builder_registration.message.fee_recipient",
    );
    await expectField(
      resealed((l) => {
        l.validators[1].builderRegistration.message.feeRecipient = other;
        l.validators[1].feeRecipient = other;
      }),
      "validators[1].builder_registration.signature",
    );
    await expectField(
      resealed((l) => {
        l.validators[0].builderRegistration = l.validators[1].builderRegistration;
        l.validators[0].feeRecipient = l.validators[1].feeRecipient;
      }),
      "validators[0].builder_registration.message.pubkey",
    );
    await expectField(
      resealed((l) => {
        l.validators[0].withdrawalCredentials = `0x00${"00".repeat(11)}${"aa".repeat(20)}`;
      }),
      "validators[0].withdrawal_credentials",
    );
    await expectField(
      resealed((l) => {
        l.validators[0].withdrawalCredentials = `0x01${"00".repeat(10)}01${"aa".repeat(20)}`;
      }),
      "validators[0].withdrawal_credentials",
    );
    await expectField(
      resealed((l) => {
        l.validators[1].depositAmountGwei = 33_000_000_000;
      }),
      "validators[1].deposit_amount_gwei",
    );
    await expectField(
      resealed((l) => {
        l.validators[1].depositAmountGwei = 999_999_999;
      }),
      "validators[1].deposit_amount_gwei",
    );
    // 2048 ETH is sane for 0x02 credentials (the registration does not cover credentials or amount).
    const compounding = await parseClusterLock(
      resealed((l) => {
        l.validators[1].withdrawalCredentials = `0x02${l.validators[1].withdrawalCredentials.slice(4)}`;
        l.validators[1].depositAmountGwei = 2_048_000_000_000;
      }),
    );
    expect(compounding.validators[1].depositAmountGwei).to.equal(2_048_000_000_000);
    const numeric = structuredClone(json) as {validators: {deposit_amount_gwei: unknown}[]};
    numeric.validators[0].deposit_amount_gwei = 32_000_000_000;
    await expectField(numeric, "validators[0].deposit_amount_gwei");
    try {
      await parseClusterLock({...(json as object), version: "cohort/lock/v1"}, "old/cluster-lock.json");
      expect.fail("accepted");
    } catch (e) {
      expect((e as ClusterError).code).to.equal("CLUSTER_LOCK_VERSION");
      expect((e as Error).message).to.match(/^old\/cluster-lock\.json: .*cohort upgrade-lock/);
    }
  });

  it("the hash is an SSZ root: independent of JSON field order and formatting", async () => {
    const reordered = Object.fromEntries(Object.entries(json as {[k: string]: Json}).reverse());
    const parsed = await parseClusterLock(JSON.parse(JSON.stringify(reordered, null, 7)));
    expect(parsed.lockHash).to.equal(lock.lockHash);
    expect(computeLockHash(parsed)).to.equal(lock.lockHash);
  });

  it("an edit with a recomputed hash but no new operator signatures is refused, naming the operator", async () => {
    await expectOperatorSignature(
      rehashed((l) => {
        l.operators[2].multiaddrs = ["/ip4/203.0.113.9/tcp/9002"];
      }),
      0,
      /does not verify/,
    );
    await expectOperatorSignature(
      rehashed((l) => {
        l.threshold = 4;
      }),
      0,
      /does not verify/,
    );
    // A whole validator of another cluster of the same shape: keys, shares and registration all consistent.
    const foreign = planCluster({nodes: 4, validators: 1, network: hoodi}, {random: seededRandom("foreign")});
    await expectOperatorSignature(
      rehashed((l) => {
        l.validators[1] = foreign.lock.validators[0];
      }),
      0,
      /does not verify/,
    );
    const missing = structuredClone(json) as {operator_signatures: string[]};
    missing.operator_signatures.pop();
    await expectOperatorSignature(missing, 3, /is missing/);
    const swapped = structuredClone(json) as {operator_signatures: string[]};
    swapped.operator_signatures.reverse();
    await expectOperatorSignature(swapped, 0, /does not verify/);
    const {operator_signatures: _none, ...unsigned} = json as {[k: string]: Json};
    await expectField(unsigned, "operator_signatures");
  });

  it("an edit that keeps every field valid is caught by the hash", async () => {
    const edited = structuredClone(json) as {operators: {multiaddrs: string[]}[]};
    edited.operators[0].multiaddrs = ["/ip4/10.0.0.1/tcp/9000"];
    try {
      await parseClusterLock(edited);
      expect.fail("accepted");
    } catch (e) {
      expect((e as ClusterError).code).to.equal("CLUSTER_LOCK_HASH_MISMATCH");
    }
    // The same edit, resealed, is a valid lock.
    const ok = await parseClusterLock(
      resealed((l) => {
        l.operators[0].multiaddrs = ["/ip4/10.0.0.1/tcp/9000"];
      }),
    );
    expect(ok.operators[0].multiaddrs).to.deep.equal(["/ip4/10.0.0.1/tcp/9000"]);
  });

  it("custom networks carry their own genesis values; thresholds 1 and n are valid", async () => {
    const network = resolveNetwork("devnet", {
      genesisForkVersion: "0x10000038",
      genesisValidatorsRoot: `0x${"22".repeat(32)}`,
    });
    for (const threshold of [1, 4]) {
      const p = planCluster(
        {nodes: 4, threshold, unsafeThreshold: true, validators: 1, network},
        {random: seededRandom(`custom${threshold}`)},
      );
      expect(await parseClusterLock(JSON.parse(serializeClusterLock(p.lock)))).to.deep.equal(p.lock);
    }
    for (const [name, custom] of [
      ["hoodi", {genesisValidatorsRoot: `0x${"22".repeat(32)}`}],
      ["Bad Name!", {}],
      ["devnet", {genesisForkVersion: "0x10"}],
    ] as const) {
      expect(() => resolveNetwork(name, custom), name).to.throw(ClusterError);
    }
    expect(knownNetwork("mainnet")).to.deep.equal({
      name: "mainnet",
      genesisForkVersion: "0x00000000",
      genesisValidatorsRoot: "0x4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95",
    });
  });

  it("takes operator addresses as given", async () => {
    const multiaddrs = [["/ip4/10.0.0.1/tcp/9000"], ["/dns4/node-b.example/tcp/9100"], ["/ip6/::1/tcp/9200"]];
    const p = planCluster({nodes: 3, validators: 1, network: hoodi, multiaddrs}, {random: seededRandom("addr")});
    expect(p.lock.operators.map((o) => o.multiaddrs)).to.deep.equal(multiaddrs);
    expect((await parseClusterLock(JSON.parse(serializeClusterLock(p.lock)))).operators[1].multiaddrs).to.deep.equal(
      multiaddrs[1],
    );
    expect(() =>
      planCluster(
        {nodes: 3, validators: 1, network: hoodi, multiaddrs: multiaddrs.slice(1)},
        {random: seededRandom("addr")},
      ),
    ).to.throw(RangeError);
  });

  it("holds no secret: no share, validator key, identity key or password appears in the lock", () => {
    const text = serializeClusterLock(lock);
    const secrets = [
      ...plan.shares.flat().map((s) => toHex(s).slice(2)),
      ...plan.identities.map((id) => toHex(id.exportSecret()).slice(2)),
      ...plan.passwords,
    ];
    for (const s of secrets) expect(text).to.not.include(s);
  });

  it("exposes the combine keys and each operator's public key shares", () => {
    const keys = validatorKeysFromLock(lock);
    expect([...keys.keys()]).to.deep.equal(lock.validators.map((v) => v.publicKey));
    expect(keys.get(lock.validators[0].publicKey)!.publicKeyShares).to.have.length(4);
    const op2 = publicKeySharesOf(lock, 2);
    expect(op2.map((s) => s.shareIndex)).to.deep.equal([3, 3]);
    expect(op2[1].publicKeyShare).to.equal(lock.validators[1].publicKeyShares[2]);
    expect(() => publicKeySharesOf(lock, 4)).to.throw(RangeError);
  });
});
