/**
 * The shared ERC-20 / ERC-721 behaviours run first against plain OpenZeppelin tokens: this proves
 * that the expectations are OpenZeppelin's, before they are applied to the program's tokens.
 */
import { describe } from "node:test";
import { getAddress } from "viem";
import { shouldBehaveLikeERC20 } from "../behaviours/erc20.ts";
import { shouldBehaveLikeERC721 } from "../behaviours/erc721.ts";
import { programContext } from "../helpers/program.ts";

const ctx = await programContext();
const { viem, networkHelpers, accounts } = ctx;

async function deployPlainTokens() {
  const erc20 = await viem.deployContract("OzPlainERC20");
  await erc20.write.mint([accounts.alice, 100n]);
  const erc721 = await viem.deployContract("OzPlainERC721");
  await erc721.write.mint([accounts.alice, 5n]);
  await erc721.write.mint([accounts.alice, 7n]);
  const nonReceiver = await viem.deployContract("NonReceiver");
  const receiver = await viem.deployContract("ERC721ReceiverMock");
  return { erc20, erc721, nonReceiver, receiver };
}

describe("OzPlainERC20 (baseline)", () => {
  shouldBehaveLikeERC20(
    ctx,
    async () => {
      const { erc20 } = await networkHelpers.loadFixture(deployPlainTokens);
      return {
        token: erc20,
        initialHolder: accounts.alice,
        recipient: accounts.bob,
        anotherAccount: accounts.carol,
        initialSupply: 100n,
      };
    },
    { name: "Plain", symbol: "PLN", decimals: 18 },
  );
});

describe("OzPlainERC721 (baseline)", () => {
  shouldBehaveLikeERC721(
    ctx,
    async () => {
      const { erc721, nonReceiver, receiver } = await networkHelpers.loadFixture(deployPlainTokens);
      return {
        token: erc721,
        owner: accounts.alice,
        tokenIds: [5n, 7n] as const,
        nonexistentTokenId: 6n,
        approved: accounts.bob,
        operator: accounts.carol,
        other: accounts.outsider,
        nonReceiver: getAddress(nonReceiver.address),
        receiver: getAddress(receiver.address),
      };
    },
    { name: "Plain", symbol: "PLN" },
  );
});
