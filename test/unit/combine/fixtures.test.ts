import {readFile} from "node:fs/promises";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {PublicKey, Signature, verify} from "@chainsafe/blst";
import {expect} from "chai";
import {loadClusterLock, validatorKeysFromLock} from "../../../src/cluster/lock.js";
import {knownNetwork} from "../../../src/cluster/networks.js";
import {loadNodeKeyShares} from "../../../src/cluster/node.js";
import {combineShares, initHerumi, recoverSignature} from "../../../src/combine/index.js";
import {fromHex, toHex} from "../../../src/util/hex.js";
import {buildFixture, type FixtureExpected} from "./fixtureData.js";

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../fixtures/combine");

describe("combine/fixtures (fixtures/combine)", () => {
  let expected: FixtureExpected;
  before(async () => {
    await initHerumi();
    expected = JSON.parse(await readFile(path.join(dir, "expected.json"), "utf8")) as FixtureExpected;
  });

  it("are reproducible from the seed", async () => {
    const rebuilt = buildFixture(knownNetwork("hoodi"));
    expect(rebuilt.expected).to.deep.equal(expected);
    const lock = await loadClusterLock(path.join(dir, "cluster", "cluster-lock.json"));
    expect(lock).to.deep.equal(rebuilt.plan.lock);
    expect(lock.lockHash).to.equal(expected.lockHash);
  });

  it("node keystores decrypt to the expected shares", async () => {
    const lock = await loadClusterLock(path.join(dir, "cluster", "cluster-lock.json"));
    for (let i = 0; i < expected.nodes; i++) {
      const nodeDir = path.join(dir, "cluster", `node${i}`);
      expect(await loadClusterLock(path.join(nodeDir, "cluster-lock.json"))).to.deep.equal(lock);
      const shares = await loadNodeKeyShares(nodeDir, lock, i);
      expect(shares.map((s) => toHex(s.secret))).to.deep.equal(expected.validators.map((v) => v.shares[i].secretKey));
    }
  });

  it("every 3 of the 4 expected share signatures recover the expected signature, which verifies", () => {
    const root = fromHex(expected.signingRoot, 32);
    const keys = validatorKeysFromLock(buildFixture(expected.network).plan.lock);
    for (const v of expected.validators) {
      expect(
        verify(root, PublicKey.fromBytes(fromHex(v.publicKey), true), Signature.fromBytes(fromHex(v.signature), true)),
      ).to.equal(true);
      for (let skip = 1; skip <= 4; skip++) {
        const shares = v.shares
          .filter((s) => s.index !== skip)
          .map((s) => ({index: s.index, signature: fromHex(s.signature)}));
        const parsed = shares.map((s) => ({index: s.index, signature: Signature.fromBytes(s.signature, true)}));
        expect(toHex(recoverSignature(parsed, 3))).to.equal(v.signature);
        expect(toHex(combineShares(keys.get(v.publicKey)!, 3, root, shares).signature)).to.equal(v.signature);
      }
    }
  });
});
