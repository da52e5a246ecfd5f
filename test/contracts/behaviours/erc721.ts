/**
 * ERC-721 behaviour as OpenZeppelin's own test suite (test/token/ERC721/ERC721.behavior.js) checks
 * it, written once and applied to the reward catalog (and to plain OpenZeppelin as a baseline).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Address } from "viem";
import type { ContractReturnType } from "@nomicfoundation/hardhat-viem/types";
import type { ProgramContext } from "../helpers/program.ts";
import { ZERO_ADDRESS } from "../helpers/program.ts";

/** Any token with the standard ERC-721 interface (typed as the plain OpenZeppelin one). */
export type ERC721Like = ContractReturnType<"OzPlainERC721">;

export interface ERC721Env {
  token: ERC721Like;
  /** Owns exactly `tokenIds`, nothing else. */
  owner: Address;
  tokenIds: readonly [bigint, bigint];
  nonexistentTokenId: bigint;
  /** Three distinct accounts that own nothing. */
  approved: Address;
  operator: Address;
  other: Address;
  /** A contract without onERC721Received. */
  nonReceiver: Address;
  /** A contract that implements onERC721Received. */
  receiver: Address;
}

export interface ERC721Metadata {
  name: string;
  symbol: string;
}

type TransferMethod = "transferFrom" | "safeTransferFrom" | "safeTransferFrom(data)";
const METHODS: TransferMethod[] = ["transferFrom", "safeTransferFrom", "safeTransferFrom(data)"];

function transfer(token: ERC721Like, method: TransferMethod, from: Address, to: Address, id: bigint, caller: Address) {
  switch (method) {
    case "transferFrom":
      return token.write.transferFrom([from, to, id], { account: caller });
    case "safeTransferFrom":
      return token.write.safeTransferFrom([from, to, id], { account: caller });
    case "safeTransferFrom(data)":
      return token.write.safeTransferFrom([from, to, id, "0x42"], { account: caller });
  }
}

export function shouldBehaveLikeERC721(
  ctx: Pick<ProgramContext, "viem">,
  load: () => Promise<ERC721Env>,
  metadata: ERC721Metadata,
) {
  const { assertions } = ctx.viem;

  /** The OpenZeppelin suite's starting point: one approved account for the first token, one operator. */
  async function loadWithApprovals() {
    const env = await load();
    await env.token.write.approve([env.approved, env.tokenIds[0]], { account: env.owner });
    await env.token.write.setApprovalForAll([env.operator, true], { account: env.owner });
    return env;
  }

  describe("ERC-721 behaviour", () => {
    describe("balanceOf", () => {
      it("returns the number of tokens owned", async () => {
        const { token, owner } = await load();
        assert.equal(await token.read.balanceOf([owner]), 2n);
      });

      it("returns zero for an account that owns nothing", async () => {
        const { token, other } = await load();
        assert.equal(await token.read.balanceOf([other]), 0n);
      });

      it("reverts with ERC721InvalidOwner for the zero address", async () => {
        const { token } = await load();
        await assertions.revertWithCustomErrorWithArgs(
          token.read.balanceOf([ZERO_ADDRESS]),
          token,
          "ERC721InvalidOwner",
          [ZERO_ADDRESS],
        );
      });
    });

    describe("ownerOf", () => {
      it("returns the owner of a token", async () => {
        const { token, owner, tokenIds } = await load();
        assert.equal(await token.read.ownerOf([tokenIds[0]]), owner);
        assert.equal(await token.read.ownerOf([tokenIds[1]]), owner);
      });

      it("reverts with ERC721NonexistentToken for an unknown token", async () => {
        const { token, nonexistentTokenId } = await load();
        await assertions.revertWithCustomErrorWithArgs(
          token.read.ownerOf([nonexistentTokenId]),
          token,
          "ERC721NonexistentToken",
          [nonexistentTokenId],
        );
      });
    });

    for (const method of METHODS) {
      describe(`${method}`, () => {
        const callers = ["owner", "approved", "operator"] as const;
        for (const who of callers) {
          it(`called by the ${who}: moves the token, clears its approval, adjusts balances, emits Transfer`, async () => {
            const env = await loadWithApprovals();
            const { token, owner, other, tokenIds } = env;
            const id = tokenIds[0];
            await assertions.emitWithArgs(transfer(token, method, owner, other, id, env[who]), token, "Transfer", [
              owner,
              other,
              id,
            ]);
            assert.equal(await token.read.ownerOf([id]), other);
            assert.equal(await token.read.getApproved([id]), ZERO_ADDRESS);
            assert.equal(await token.read.balanceOf([owner]), 1n);
            assert.equal(await token.read.balanceOf([other]), 1n);
          });
        }

        it("called by the owner for a token without approval: moves it", async () => {
          const { token, owner, other, tokenIds } = await loadWithApprovals();
          await transfer(token, method, owner, other, tokenIds[1], owner);
          assert.equal(await token.read.ownerOf([tokenIds[1]]), other);
        });

        it("to the owner itself: keeps ownership and balance, clears the approval, emits Transfer", async () => {
          const { token, owner, tokenIds } = await loadWithApprovals();
          await assertions.emitWithArgs(transfer(token, method, owner, owner, tokenIds[0], owner), token, "Transfer", [
            owner,
            owner,
            tokenIds[0],
          ]);
          assert.equal(await token.read.ownerOf([tokenIds[0]]), owner);
          assert.equal(await token.read.getApproved([tokenIds[0]]), ZERO_ADDRESS);
          assert.equal(await token.read.balanceOf([owner]), 2n);
        });

        it("reverts with ERC721IncorrectOwner when `from` is not the owner", async () => {
          const { token, owner, other, approved, tokenIds } = await loadWithApprovals();
          await assertions.revertWithCustomErrorWithArgs(
            transfer(token, method, other, approved, tokenIds[0], owner),
            token,
            "ERC721IncorrectOwner",
            [other, tokenIds[0], owner],
          );
        });

        it("reverts with ERC721InsufficientApproval when the caller is not authorized", async () => {
          const { token, owner, other, tokenIds } = await loadWithApprovals();
          await assertions.revertWithCustomErrorWithArgs(
            transfer(token, method, owner, other, tokenIds[0], other),
            token,
            "ERC721InsufficientApproval",
            [other, tokenIds[0]],
          );
        });

        it("reverts with ERC721InsufficientApproval when the approval is for another token", async () => {
          const { token, owner, other, approved, tokenIds } = await loadWithApprovals();
          await assertions.revertWithCustomErrorWithArgs(
            transfer(token, method, owner, other, tokenIds[1], approved),
            token,
            "ERC721InsufficientApproval",
            [approved, tokenIds[1]],
          );
        });

        it("reverts with ERC721NonexistentToken for an unknown token", async () => {
          const { token, owner, other, nonexistentTokenId } = await loadWithApprovals();
          await assertions.revertWithCustomErrorWithArgs(
            transfer(token, method, owner, other, nonexistentTokenId, owner),
            token,
            "ERC721NonexistentToken",
            [nonexistentTokenId],
          );
        });

        it("reverts with ERC721InvalidReceiver when the recipient is the zero address", async () => {
          const { token, owner, tokenIds } = await loadWithApprovals();
          await assertions.revertWithCustomErrorWithArgs(
            transfer(token, method, owner, ZERO_ADDRESS, tokenIds[0], owner),
            token,
            "ERC721InvalidReceiver",
            [ZERO_ADDRESS],
          );
        });

        if (method === "transferFrom") {
          it("moves a token to a contract that is not a receiver (no hook is called)", async () => {
            const { token, owner, nonReceiver, tokenIds } = await loadWithApprovals();
            await transfer(token, method, owner, nonReceiver, tokenIds[0], owner);
            assert.equal(await token.read.ownerOf([tokenIds[0]]), nonReceiver);
          });
        } else {
          it("delivers to a contract that implements onERC721Received", async () => {
            const { token, owner, receiver, tokenIds } = await loadWithApprovals();
            await transfer(token, method, owner, receiver, tokenIds[0], owner);
            assert.equal(await token.read.ownerOf([tokenIds[0]]), receiver);
          });

          it("reverts with ERC721InvalidReceiver when the recipient contract is not a receiver", async () => {
            const { token, owner, nonReceiver, tokenIds } = await loadWithApprovals();
            await assertions.revertWithCustomErrorWithArgs(
              transfer(token, method, owner, nonReceiver, tokenIds[0], owner),
              token,
              "ERC721InvalidReceiver",
              [nonReceiver],
            );
            assert.equal(await token.read.ownerOf([tokenIds[0]]), owner);
          });
        }
      });
    }

    describe("approve", () => {
      it("sets the approval and emits Approval", async () => {
        const { token, owner, approved, tokenIds } = await load();
        await assertions.emitWithArgs(
          token.write.approve([approved, tokenIds[0]], { account: owner }),
          token,
          "Approval",
          [owner, approved, tokenIds[0]],
        );
        assert.equal(await token.read.getApproved([tokenIds[0]]), approved);
        assert.equal(await token.read.getApproved([tokenIds[1]]), ZERO_ADDRESS);
      });

      it("clears the approval when approving the zero address, emitting Approval", async () => {
        const { token, owner, tokenIds } = await loadWithApprovals();
        await assertions.emitWithArgs(
          token.write.approve([ZERO_ADDRESS, tokenIds[0]], { account: owner }),
          token,
          "Approval",
          [owner, ZERO_ADDRESS, tokenIds[0]],
        );
        assert.equal(await token.read.getApproved([tokenIds[0]]), ZERO_ADDRESS);
      });

      it("replaces a previous approval", async () => {
        const { token, owner, other, tokenIds } = await loadWithApprovals();
        await token.write.approve([other, tokenIds[0]], { account: owner });
        assert.equal(await token.read.getApproved([tokenIds[0]]), other);
      });

      it("can be given by an operator of the owner", async () => {
        const { token, owner, operator, other, tokenIds } = await loadWithApprovals();
        await assertions.emitWithArgs(
          token.write.approve([other, tokenIds[1]], { account: operator }),
          token,
          "Approval",
          [owner, other, tokenIds[1]],
        );
        assert.equal(await token.read.getApproved([tokenIds[1]]), other);
      });

      it("reverts with ERC721InvalidApprover when the caller is neither owner nor operator", async () => {
        const { token, other, tokenIds } = await loadWithApprovals();
        await assertions.revertWithCustomErrorWithArgs(
          token.write.approve([other, tokenIds[1]], { account: other }),
          token,
          "ERC721InvalidApprover",
          [other],
        );
      });

      it("reverts with ERC721InvalidApprover when the caller is only approved for the token", async () => {
        const { token, approved, other, tokenIds } = await loadWithApprovals();
        await assertions.revertWithCustomErrorWithArgs(
          token.write.approve([other, tokenIds[0]], { account: approved }),
          token,
          "ERC721InvalidApprover",
          [approved],
        );
      });

      it("reverts with ERC721NonexistentToken for an unknown token", async () => {
        const { token, owner, approved, nonexistentTokenId } = await load();
        await assertions.revertWithCustomErrorWithArgs(
          token.write.approve([approved, nonexistentTokenId], { account: owner }),
          token,
          "ERC721NonexistentToken",
          [nonexistentTokenId],
        );
      });
    });

    describe("setApprovalForAll", () => {
      it("approves an operator for all tokens and emits ApprovalForAll", async () => {
        const { token, owner, operator } = await load();
        assert.equal(await token.read.isApprovedForAll([owner, operator]), false);
        await assertions.emitWithArgs(
          token.write.setApprovalForAll([operator, true], { account: owner }),
          token,
          "ApprovalForAll",
          [owner, operator, true],
        );
        assert.equal(await token.read.isApprovedForAll([owner, operator]), true);
      });

      it("revokes an operator and emits ApprovalForAll", async () => {
        const { token, owner, operator, other, tokenIds } = await loadWithApprovals();
        await assertions.emitWithArgs(
          token.write.setApprovalForAll([operator, false], { account: owner }),
          token,
          "ApprovalForAll",
          [owner, operator, false],
        );
        assert.equal(await token.read.isApprovedForAll([owner, operator]), false);
        await assertions.revertWithCustomErrorWithArgs(
          token.write.transferFrom([owner, other, tokenIds[1]], { account: operator }),
          token,
          "ERC721InsufficientApproval",
          [operator, tokenIds[1]],
        );
      });

      it("reverts with ERC721InvalidOperator when the operator is the zero address", async () => {
        const { token, owner } = await load();
        await assertions.revertWithCustomErrorWithArgs(
          token.write.setApprovalForAll([ZERO_ADDRESS, true], { account: owner }),
          token,
          "ERC721InvalidOperator",
          [ZERO_ADDRESS],
        );
      });
    });

    describe("getApproved", () => {
      it("returns the zero address when nothing is approved", async () => {
        const { token, tokenIds } = await load();
        assert.equal(await token.read.getApproved([tokenIds[0]]), ZERO_ADDRESS);
      });

      it("reverts with ERC721NonexistentToken for an unknown token", async () => {
        const { token, nonexistentTokenId } = await load();
        await assertions.revertWithCustomErrorWithArgs(
          token.read.getApproved([nonexistentTokenId]),
          token,
          "ERC721NonexistentToken",
          [nonexistentTokenId],
        );
      });
    });

    describe("ERC-165 and metadata", () => {
      it("supports ERC-165, ERC-721 and ERC-721 Metadata, and not 0xffffffff", async () => {
        const { token } = await load();
        assert.equal(await token.read.supportsInterface(["0x01ffc9a7"]), true);
        assert.equal(await token.read.supportsInterface(["0x80ac58cd"]), true);
        assert.equal(await token.read.supportsInterface(["0x5b5e139f"]), true);
        assert.equal(await token.read.supportsInterface(["0xffffffff"]), false);
      });

      it("reports its name and symbol", async () => {
        const { token } = await load();
        assert.equal(await token.read.name(), metadata.name);
        assert.equal(await token.read.symbol(), metadata.symbol);
      });

      it("tokenURI reverts with ERC721NonexistentToken for an unknown token", async () => {
        const { token, nonexistentTokenId } = await load();
        await assertions.revertWithCustomErrorWithArgs(
          token.read.tokenURI([nonexistentTokenId]),
          token,
          "ERC721NonexistentToken",
          [nonexistentTokenId],
        );
      });
    });
  });
}
