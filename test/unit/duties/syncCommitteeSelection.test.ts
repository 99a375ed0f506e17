import {EPOCHS_PER_SYNC_COMMITTEE_PERIOD, SLOTS_PER_EPOCH, SYNC_COMMITTEE_SIZE} from "@lodestar/params";
import {expect} from "chai";
import {
  isSyncCommitteeAggregator,
  SYNC_SUBCOMMITTEE_SIZE,
  subcommitteesOf,
  syncAggregatorModulo,
  syncPeriodOfMessageSlot,
  syncShareDutyType,
} from "../../../src/duties/syncCommitteeSelection.js";
import {fromHex} from "../../../src/util/hex.js";

// Real BLS signatures (interop keys over fixed roots); the expected result is the spec's
// bytes_to_uint64(sha256(sig)[0:8]) % 8 == 0, computed independently (Python hashlib, int.from_bytes(.., "little")).
const VECTORS: {sig: string; hashPrefix: string; mod8: number}[] = [
  {
    sig: "0xa0d0928e0e137b1d3146c002a8de4d6971ca7f34d4d9f06e96c2bcc5c5401fdaaebb45e660b67322270122c8584e32fd0366db55577df1cbbd5cbf67eae8038d619e04298ee4cb0745678c007dcc4af010e07463f73571405df52db04f74f134",
    hashPrefix: "94bbb5ea40ac0ec7",
    mod8: 4,
  },
  {
    sig: "0xa55ebf520ee032f17c28cf32b43d7beaf2f5c7f9ce8e7acc2fb7c95451e8fbb9c1afb9f6245bcc949d023f9118bc121c068070288f3cf00c746c7b4f15b00d88c94280b545bc3ce269b6aefdb82b9fa498d2a59016dbb1f31b6d03eee2f54df7",
    hashPrefix: "fbcbc625ac73b20b",
    mod8: 3,
  },
  {
    sig: "0xaed2151e2f528060f26f6a4a803adff9c3cba0da120d8a939c109e0ac94d0edba01814cbabb8d771e04528501764924e0fbb5e644981fe374452671f1a4084ff440ca48a83d58b72ddb9e8bb0b985a3b4be064f408c2017c0be1dd49243c3f8e",
    hashPrefix: "58c2a7d02f98b2dd",
    mod8: 0,
  },
  {
    sig: "0xb6c8e57b02c78d4162e137aad835c97751edb0445c89a9feb082aead518a36f0ed39fa171e407295711aac397ca9823b16ef17b7a90465b98e1310a7e3e9b0e69aa5ce5638eaf8e79057839a9692a5c8b38eb4c9dab587707636874fec14219f",
    hashPrefix: "8905708a6421398a",
    mod8: 1,
  },
  {
    sig: "0xa931134ae5290816abd4ffcd17982a1bf0cd5f383c4ce23d5c72abefecf0b064c9f43f2bcf26f70311b344ae280075d710cf62f1bc8e756644204718b168833cd9ed47c423830a895c446a28952576e268d6925695cf37c7760c7a09744d9228",
    hashPrefix: "e803d0ebc3d4d92c",
    mod8: 0,
  },
  {
    sig: "0xb8d4d0fde79541a9677518cb54b6e2fde9f854f89563266ab3309652b03225329ad36977ee3637c28638cb543a7680a609314708561ae3e59c1bff40be83fa8c4b89ddcebef23f50367debfc9a718721c7049c56f2155d84d57436e97b21256b",
    hashPrefix: "f896c211b127f7d2",
    mod8: 0,
  },
];

describe("duties/syncCommitteeSelection (altair validator.md definitions)", () => {
  it("modulo = max(1, SYNC_COMMITTEE_SIZE // SUBNET_COUNT // TARGET_AGGREGATORS): 8 on mainnet (512), 1 on minimal (32)", () => {
    expect(syncAggregatorModulo(512)).to.equal(8);
    expect(syncAggregatorModulo(32)).to.equal(1);
    expect(syncAggregatorModulo(1024)).to.equal(16);
    expect(syncAggregatorModulo()).to.equal(syncAggregatorModulo(SYNC_COMMITTEE_SIZE));
  });

  it("is_sync_committee_aggregator on fixed vectors: little-endian uint64 of sha256(sig)[0:8] mod 8", () => {
    for (const v of VECTORS) {
      expect(isSyncCommitteeAggregator(fromHex(v.sig, 96), 8), v.hashPrefix).to.equal(v.mod8 === 0);
      // With modulo 1 (minimal preset) every member aggregates.
      expect(isSyncCommitteeAggregator(fromHex(v.sig, 96), 1)).to.equal(true);
    }
    // Modulo 4: four of the six little-endian readings are multiples (a big-endian reading would give one).
    expect(VECTORS.filter((v) => isSyncCommitteeAggregator(fromHex(v.sig, 96), 4)).length).to.equal(4);
  });

  it("groups a member's seats by subcommittee with its positions inside each", () => {
    const s = SYNC_SUBCOMMITTEE_SIZE;
    const subs = subcommitteesOf([3 * s + 1, 5, 0, s + s - 1]);
    expect([...subs.entries()]).to.deep.equal([
      [0, [0, 5]],
      [1, [s - 1]],
      [3, [1]],
    ]);
    expect(subcommitteesOf([]).size).to.equal(0);
  });

  it("the message of the last slot of a period is the next period's committee's (slot + 1)", () => {
    const periodSlots = EPOCHS_PER_SYNC_COMMITTEE_PERIOD * SLOTS_PER_EPOCH;
    expect(syncPeriodOfMessageSlot(0, SLOTS_PER_EPOCH)).to.equal(0);
    expect(syncPeriodOfMessageSlot(periodSlots - 2, SLOTS_PER_EPOCH)).to.equal(0);
    expect(syncPeriodOfMessageSlot(periodSlots - 1, SLOTS_PER_EPOCH)).to.equal(1);
    expect(syncPeriodOfMessageSlot(periodSlots, SLOTS_PER_EPOCH)).to.equal(1);
  });

  it("gives every (duty type, subcommittee rank) its own share-exchange duty type, above the consensus ones", () => {
    const types = [4, 7].flatMap((t) => [0, 1, 2, 3].map((rank) => syncShareDutyType(t, rank)));
    expect(new Set(types).size).to.equal(8);
    for (const t of types) expect(t).to.be.within(128, 255);
  });
});
