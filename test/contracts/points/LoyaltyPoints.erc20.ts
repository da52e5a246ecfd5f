/** LoyaltyPoints is a standard ERC-20 (OpenZeppelin's behaviour) despite its packed accounts. */
import { describe } from "node:test";
import { shouldBehaveLikeERC20, type ERC20Like } from "../behaviours/erc20.ts";
import { programContext, TOKEN_NAME, TOKEN_SYMBOL } from "../helpers/program.ts";
import { issuePoints } from "../helpers/rewards.ts";

const ctx = await programContext();
const { accounts, networkHelpers } = ctx;

async function pointsWithHolder() {
  const program = await ctx.deployProgram();
  await issuePoints(ctx, program, accounts.alice, 100n);
  return program;
}

describe("LoyaltyPoints", () => {
  shouldBehaveLikeERC20(
    ctx,
    async () => {
      const { points } = await networkHelpers.loadFixture(pointsWithHolder);
      return {
        token: points as unknown as ERC20Like,
        initialHolder: accounts.alice,
        recipient: accounts.bob,
        anotherAccount: accounts.carol,
        initialSupply: 100n,
      };
    },
    { name: TOKEN_NAME, symbol: TOKEN_SYMBOL, decimals: 0 },
  );
});
