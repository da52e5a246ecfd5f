/** RewardNFT: tokenURI is an inline base64 JSON document that stays valid whatever merchants type. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { programContext, tokenIdOf } from "../helpers/program.ts";
import { Category, createReward } from "../helpers/rewards.ts";
import { signVoucher } from "../helpers/signatures.ts";

const ctx = await programContext();
const { viem, accounts, load, networkHelpers, wallet } = ctx;
const { assertions } = viem;
const { merchantA, alice } = accounts;

const PREFIX = "data:application/json;base64,";

interface TokenMetadata {
  name: string;
  description: string;
  image: string;
  attributes: Array<{ trait_type: string; value: string | number }>;
}

function decode(uri: string): TokenMetadata {
  assert.ok(uri.startsWith(PREFIX), `not a base64 JSON data URI: ${uri.slice(0, 40)}`);
  const json = Buffer.from(uri.slice(PREFIX.length), "base64").toString("utf8");
  return JSON.parse(json) as TokenMetadata;
}

const attribute = (meta: TokenMetadata, trait: string) => meta.attributes.find((a) => a.trait_type === trait)?.value;

describe("RewardNFT — tokenURI", () => {
  it("decodes to JSON with name #serial, description, image and the reward's attributes", async () => {
    const program = await load();
    const { rewards } = program;
    const id = await createReward(
      program,
      merchantA,
      { minTier: 2, soulbound: true, category: Category.Badge, mintOnly: true },
      { name: "VIP badge", description: "For our best customers.", image: "ipfs://badge.png" },
    );
    await rewards.write.mintExclusiveBatch([id, [alice, alice]], { account: merchantA });
    const meta = decode(await rewards.read.tokenURI([tokenIdOf(id, 2n)]));
    assert.deepEqual(meta, {
      name: "VIP badge #2",
      description: "For our best customers.",
      image: "ipfs://badge.png",
      attributes: [
        { trait_type: "Reward", value: 1 },
        { trait_type: "Category", value: "Badge" },
        { trait_type: "Merchant", value: merchantA.toLowerCase() },
        { trait_type: "Minimum tier", value: 2 },
        { trait_type: "Soulbound", value: "yes" },
        { trait_type: "Consumed", value: "no" },
      ],
    });
  });

  it("escapes quotes, backslashes and control characters, and keeps French accents intact", async () => {
    const program = await load();
    const name = 'Café "crème" \\ spécial — été à l\'œil, façon « maison »';
    const description = 'Ligne 1\nLigne 2\tTabulée\r\u0001\u001f fin "citée" \\n littéral';
    const image = 'https://cdn.example/é "x" \\y.png';
    const id = await createReward(program, merchantA, { cost: 0n }, { name, description, image });
    await program.rewards.write.redeem([id], { account: alice });
    const meta = decode(await program.rewards.read.tokenURI([tokenIdOf(id, 1n)]));
    assert.equal(meta.name, `${name} #1`);
    assert.equal(meta.description, description);
    assert.equal(meta.image, image);
    assert.equal(attribute(meta, "Soulbound"), "no");
  });

  it("names every category", async () => {
    const program = await load();
    const names = ["Discount", "Free product", "Early access", "Experience", "Badge"];
    for (const [category, expected] of names.entries()) {
      const id = await createReward(program, merchantA, { category, mintOnly: true });
      await program.rewards.write.mintExclusive([id, alice], { account: merchantA });
      assert.equal(attribute(decode(await program.rewards.read.tokenURI([tokenIdOf(id, 1n)])), "Category"), expected);
    }
  });

  it("shows Consumed: yes once the token was used as a voucher", async () => {
    const program = await load();
    const { rewards } = program;
    const id = await createReward(program, merchantA, { mintOnly: true });
    const tokenId = tokenIdOf(id, 1n);
    await rewards.write.mintExclusive([id, alice], { account: merchantA });
    const deadline = BigInt(await networkHelpers.time.latest()) + 600n;
    const signature = await signVoucher(wallet.alice, rewards.address, {
      tokenId,
      holder: alice,
      merchant: merchantA,
      nonce: 1n,
      deadline,
    });
    await rewards.write.consumeVoucher([tokenId, 1n, deadline, signature], { account: merchantA });
    assert.equal(attribute(decode(await rewards.read.tokenURI([tokenId])), "Consumed"), "yes");
  });

  it("reverts with ERC721NonexistentToken for a token not minted", async () => {
    const program = await load();
    const id = await createReward(program, merchantA);
    await assertions.revertWithCustomErrorWithArgs(
      program.rewards.read.tokenURI([tokenIdOf(id, 1n)]),
      program.rewards,
      "ERC721NonexistentToken",
      [tokenIdOf(id, 1n)],
    );
  });
});
