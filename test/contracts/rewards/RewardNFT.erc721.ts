/** RewardNFT's transferable rewards are standard ERC-721 tokens (OpenZeppelin's behaviour). */
import { describe } from "node:test";
import { getAddress } from "viem";
import { shouldBehaveLikeERC721, type ERC721Like } from "../behaviours/erc721.ts";
import { programContext, tokenIdOf } from "../helpers/program.ts";
import { createReward } from "../helpers/rewards.ts";

const ctx = await programContext();
const { accounts, networkHelpers, viem } = ctx;

async function rewardsWithHolder() {
  const program = await ctx.deployProgram();
  const rewardId = await createReward(program, accounts.merchantA, { mintOnly: true });
  await program.rewards.write.mintExclusiveBatch([rewardId, [accounts.alice, accounts.alice]], {
    account: accounts.merchantA,
  });
  const nonReceiver = await viem.deployContract("NonReceiver");
  const receiver = await viem.deployContract("ERC721ReceiverMock");
  return { ...program, rewardId, nonReceiver, receiver };
}

describe("RewardNFT", () => {
  shouldBehaveLikeERC721(
    ctx,
    async () => {
      const { rewards, rewardId, nonReceiver, receiver } = await networkHelpers.loadFixture(rewardsWithHolder);
      return {
        token: rewards as unknown as ERC721Like,
        owner: accounts.alice,
        tokenIds: [tokenIdOf(rewardId, 1n), tokenIdOf(rewardId, 2n)] as const,
        nonexistentTokenId: tokenIdOf(rewardId, 3n),
        approved: accounts.bob,
        operator: accounts.carol,
        other: accounts.outsider,
        nonReceiver: getAddress(nonReceiver.address),
        receiver: getAddress(receiver.address),
      };
    },
    { name: "Loyalty Rewards", symbol: "LRWD" },
  );
});
