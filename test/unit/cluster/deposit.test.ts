import {readFileSync} from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {PublicKey, Signature, verify} from "@chainsafe/blst";
import {networksChainConfig} from "@lodestar/config/networks";
import {DOMAIN_DEPOSIT} from "@lodestar/params";
import {computeDomain, computeSigningRoot} from "@lodestar/state-transition";
import {ssz} from "@lodestar/types";
import {expect} from "chai";
import {
  buildDepositData,
  executionWithdrawalCredentials,
  parseAddressList,
  parseDepositAmount,
  parseExecutionAddress,
  verifyDepositData,
} from "../../../src/cluster/deposit.js";
import {DepositError} from "../../../src/cluster/errors.js";
import {seededRandom} from "../../../src/cluster/random.js";
import {randomScalar, scalarToBytes} from "../../../src/cluster/shamir.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../../fixtures/deposit-data");
const load = (name: string): Record<string, unknown>[] => JSON.parse(readFileSync(path.join(fixtures, name), "utf8"));
const hoodi = networksChainConfig.hoodi.GENESIS_FORK_VERSION;
const mainnet = networksChainConfig.mainnet.GENESIS_FORK_VERSION;

function depositError(fn: () => unknown): DepositError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(DepositError);
    return e as DepositError;
  }
  throw new Error("expected a DepositError");
}

describe("cluster/deposit", () => {
  describe("real deposit data (fixtures/deposit-data, made by the deposit CLI)", () => {
    for (const [file, version, name] of [
      ["hoodi-0x01.json", hoodi, "hoodi"],
      ["hoodi-0x02.json", hoodi, "hoodi"],
      ["mainnet-0x01.json", mainnet, "mainnet"],
    ] as const) {
      it(`accepts ${file} with ${name}'s genesis fork version`, () => {
        expect(verifyDepositData(load(file), {genesisForkVersion: version, networkName: name})).to.have.length(2);
      });
    }

    it("refuses the hoodi file checked as mainnet (fork version), and a signature moved to another network", () => {
      expect(
        depositError(() => verifyDepositData(load("hoodi-0x01.json"), {genesisForkVersion: mainnet})).type,
      ).to.deep.include({
        code: "DEPOSIT_INVALID_FIELD",
        field: "[0].fork_version",
      });
      // The mainnet signature over the same message, relabelled as hoodi: only the signature check catches it.
      const forged = load("hoodi-0x01.json");
      forged[0].signature = load("mainnet-0x01.json")[0].signature;
      expect(depositError(() => verifyDepositData(forged, {genesisForkVersion: hoodi})).type).to.deep.include({
        field: "[0].signature",
      });
    });

    it("refuses each altered field by name", () => {
      const cases: [string, unknown, string][] = [
        ["amount", 31000000000, "[0].deposit_message_root"],
        ["withdrawal_credentials", `02${"0".repeat(62)}`, "[0].deposit_message_root"],
        ["deposit_data_root", "00".repeat(32), "[0].deposit_data_root"],
        ["deposit_message_root", "zz", "[0].deposit_message_root"],
        ["pubkey", load("hoodi-0x01.json")[1].pubkey, "[0].deposit_message_root"],
        ["amount", 33000000000, "[0].amount"],
        ["network_name", 7, "[0].network_name"],
      ];
      for (const [key, value, field] of cases) {
        const data = load("hoodi-0x01.json");
        data[0][key] = value;
        expect(depositError(() => verifyDepositData(data, {genesisForkVersion: hoodi})).type, key).to.deep.include({
          field,
        });
      }
      const twice = load("hoodi-0x01.json");
      twice[1] = twice[0];
      expect(depositError(() => verifyDepositData(twice, {genesisForkVersion: hoodi})).type).to.deep.include({
        field: "[1].pubkey",
      });
      expect(depositError(() => verifyDepositData([], {genesisForkVersion: hoodi})).type.code).to.equal(
        "DEPOSIT_INVALID_FIELD",
      );
    });
  });

  it("builds deposit data the independent check accepts, matching the deposit CLI's roots for the same message", () => {
    const random = seededRandom("deposit");
    const secret = scalarToBytes(randomScalar(random));
    const address = parseExecutionAddress("0x0F51bB10119727a7e5eA3538074fb341F56B09Ad", "--withdrawal-address");
    const entry = buildDepositData(secret, executionWithdrawalCredentials(address, false), 32e9, {
      name: "hoodi",
      genesisForkVersion: hoodi,
    });
    expect(entry.withdrawal_credentials).to.equal(load("hoodi-0x01.json")[0].withdrawal_credentials);
    expect(entry.fork_version).to.equal("10000910");
    expect(verifyDepositData([entry], {genesisForkVersion: hoodi, networkName: "hoodi"})).to.have.length(1);
    expect(() => verifyDepositData([entry], {genesisForkVersion: mainnet})).to.throw(DepositError);

    // And by Lodestar's own state-transition code, as the chain's process_deposit checks it.
    const bytes = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
    const message = {
      pubkey: bytes(entry.pubkey),
      withdrawalCredentials: bytes(entry.withdrawal_credentials),
      amount: entry.amount,
    };
    const root = computeSigningRoot(
      ssz.phase0.DepositMessage,
      message,
      computeDomain(DOMAIN_DEPOSIT, hoodi, new Uint8Array(32)),
    );
    expect(verify(root, PublicKey.fromBytes(message.pubkey), Signature.fromBytes(bytes(entry.signature)))).to.equal(
      true,
    );
    const dataRoot = ssz.phase0.DepositData.hashTreeRoot({...message, signature: bytes(entry.signature)});
    expect(Buffer.from(dataRoot).toString("hex")).to.equal(entry.deposit_data_root);
  });

  it("parses addresses case-insensitively and refuses malformed ones", () => {
    expect(parseExecutionAddress("0xABCDEFabcdef0123456789abcdef0123456789AB", "f")).to.equal(
      "0xabcdefabcdef0123456789abcdef0123456789ab",
    );
    for (const bad of ["", "0x1234", "abcdefabcdef0123456789abcdef0123456789abcd", `0x${"g".repeat(40)}`]) {
      expect(depositError(() => parseExecutionAddress(bad, "--fee-recipient")).code).to.equal(
        "DEPOSIT_INVALID_ADDRESS",
      );
    }
    const a = `0x${"11".repeat(20)}`;
    const b = `0x${"22".repeat(20)}`;
    expect(parseAddressList(a, 3, "f")).to.deep.equal([a, a, a]);
    expect(parseAddressList(`${a}, ${b}`, 2, "f")).to.deep.equal([a, b]);
    expect(depositError(() => parseAddressList(`${a},${b}`, 3, "f")).type).to.deep.include({
      code: "DEPOSIT_COUNT_MISMATCH",
      given: 2,
      expected: 3,
    });
  });

  it("parses amounts: bare numbers and `eth` are ETH, `gwei` is gwei; bounds depend on compounding", () => {
    expect(parseDepositAmount("32", false)).to.equal(32e9);
    expect(parseDepositAmount("32ETH", false)).to.equal(32e9);
    expect(parseDepositAmount("1.5", false)).to.equal(1.5e9);
    expect(parseDepositAmount("32000000000gwei", false)).to.equal(32e9);
    expect(parseDepositAmount("2048", true)).to.equal(2048e9);
    for (const [bad, compounding] of [
      ["33", false],
      ["2049", true],
      ["0.5", false],
      ["32000000000", false],
      ["1.0000000001", false],
      ["-1", false],
      ["lots", false],
    ] as const) {
      expect(depositError(() => parseDepositAmount(bad, compounding)).code, bad).to.equal("DEPOSIT_INVALID_AMOUNT");
    }
  });

  it("makes 0x01 and 0x02 withdrawal credentials to the address", () => {
    const address = `0x${"ab".repeat(20)}`;
    expect(Buffer.from(executionWithdrawalCredentials(address, false)).toString("hex")).to.equal(
      `01${"00".repeat(11)}${"ab".repeat(20)}`,
    );
    expect(executionWithdrawalCredentials(address, true)[0]).to.equal(0x02);
  });
});
