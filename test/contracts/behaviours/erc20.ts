/**
 * ERC-20 behaviour as OpenZeppelin's own test suite (test/token/ERC20/ERC20.behavior.js) checks it,
 * written once and applied to every token of the program (and to plain OpenZeppelin as a baseline,
 * which proves the expectations themselves).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Address } from "viem";
import type { ContractReturnType } from "@nomicfoundation/hardhat-viem/types";
import type { ProgramContext } from "../helpers/program.ts";
import { MAX_UINT256, ZERO_ADDRESS } from "../helpers/program.ts";

/** Any token with the standard ERC-20 interface (typed as the plain OpenZeppelin one). */
export type ERC20Like = ContractReturnType<"OzPlainERC20">;

export interface ERC20Env {
  token: ERC20Like;
  /** Holds the whole `initialSupply`. */
  initialHolder: Address;
  recipient: Address;
  anotherAccount: Address;
  initialSupply: bigint;
}

export interface ERC20Metadata {
  name: string;
  symbol: string;
  decimals: number;
}

export function shouldBehaveLikeERC20(
  ctx: Pick<ProgramContext, "viem">,
  load: () => Promise<ERC20Env>,
  metadata: ERC20Metadata,
) {
  const { assertions } = ctx.viem;

  describe("ERC-20 behaviour", () => {
    it("reports its name, symbol and decimals", async () => {
      const { token } = await load();
      assert.equal(await token.read.name(), metadata.name);
      assert.equal(await token.read.symbol(), metadata.symbol);
      assert.equal(await token.read.decimals(), metadata.decimals);
    });

    it("totalSupply returns the total token amount", async () => {
      const { token, initialSupply } = await load();
      assert.equal(await token.read.totalSupply(), initialSupply);
    });

    describe("balanceOf", () => {
      it("returns zero for an account with no tokens", async () => {
        const { token, anotherAccount } = await load();
        assert.equal(await token.read.balanceOf([anotherAccount]), 0n);
      });

      it("returns the balance of an account with tokens", async () => {
        const { token, initialHolder, initialSupply } = await load();
        assert.equal(await token.read.balanceOf([initialHolder]), initialSupply);
      });

      it("returns zero for the zero address", async () => {
        const { token } = await load();
        assert.equal(await token.read.balanceOf([ZERO_ADDRESS]), 0n);
      });
    });

    describe("transfer", () => {
      it("reverts with ERC20InsufficientBalance when the sender lacks the balance", async () => {
        const { token, initialHolder, recipient, initialSupply } = await load();
        await assertions.revertWithCustomErrorWithArgs(
          token.write.transfer([recipient, initialSupply + 1n], { account: initialHolder }),
          token,
          "ERC20InsufficientBalance",
          [initialHolder, initialSupply, initialSupply + 1n],
        );
      });

      it("transfers the whole balance and emits Transfer", async () => {
        const { token, initialHolder, recipient, initialSupply } = await load();
        await assertions.emitWithArgs(
          token.write.transfer([recipient, initialSupply], { account: initialHolder }),
          token,
          "Transfer",
          [initialHolder, recipient, initialSupply],
        );
        assert.equal(await token.read.balanceOf([initialHolder]), 0n);
        assert.equal(await token.read.balanceOf([recipient]), initialSupply);
        assert.equal(await token.read.totalSupply(), initialSupply);
      });

      it("transfers zero tokens and emits Transfer", async () => {
        const { token, initialHolder, recipient, initialSupply } = await load();
        await assertions.emitWithArgs(
          token.write.transfer([recipient, 0n], { account: initialHolder }),
          token,
          "Transfer",
          [initialHolder, recipient, 0n],
        );
        assert.equal(await token.read.balanceOf([initialHolder]), initialSupply);
        assert.equal(await token.read.balanceOf([recipient]), 0n);
      });

      it("keeps the balance when the sender transfers to itself", async () => {
        const { token, initialHolder, initialSupply } = await load();
        await assertions.emitWithArgs(
          token.write.transfer([initialHolder, initialSupply], { account: initialHolder }),
          token,
          "Transfer",
          [initialHolder, initialHolder, initialSupply],
        );
        assert.equal(await token.read.balanceOf([initialHolder]), initialSupply);
      });

      it("reverts with ERC20InvalidReceiver when the recipient is the zero address", async () => {
        const { token, initialHolder, initialSupply } = await load();
        await assertions.revertWithCustomErrorWithArgs(
          token.write.transfer([ZERO_ADDRESS, initialSupply], { account: initialHolder }),
          token,
          "ERC20InvalidReceiver",
          [ZERO_ADDRESS],
        );
      });
    });

    describe("transferFrom", () => {
      describe("when the spender has enough allowance", () => {
        it("transfers the requested amount, decreases the allowance and emits only Transfer", async () => {
          const { token, initialHolder, recipient, anotherAccount: spender, initialSupply } = await load();
          await token.write.approve([spender, initialSupply], { account: initialHolder });
          const hash = await token.write.transferFrom([initialHolder, recipient, initialSupply - 1n], {
            account: spender,
          });
          await assertions.emitWithArgs(hash, token, "Transfer", [initialHolder, recipient, initialSupply - 1n]);
          assert.equal(await token.read.balanceOf([initialHolder]), 1n);
          assert.equal(await token.read.balanceOf([recipient]), initialSupply - 1n);
          assert.equal(await token.read.allowance([initialHolder, spender]), 1n);
          // OpenZeppelin 5 does not emit Approval when an allowance is spent.
          const receipt = await (await ctx.viem.getPublicClient()).getTransactionReceipt({ hash });
          assert.equal(receipt.logs.length, 1, "only the Transfer log");
        });

        it("reverts with ERC20InsufficientBalance when the owner lacks the balance", async () => {
          const { token, initialHolder, recipient, anotherAccount: spender, initialSupply } = await load();
          await token.write.approve([spender, initialSupply + 1n], { account: initialHolder });
          await assertions.revertWithCustomErrorWithArgs(
            token.write.transferFrom([initialHolder, recipient, initialSupply + 1n], { account: spender }),
            token,
            "ERC20InsufficientBalance",
            [initialHolder, initialSupply, initialSupply + 1n],
          );
        });
      });

      describe("when the spender does not have enough allowance", () => {
        it("reverts with ERC20InsufficientAllowance (owner has the balance)", async () => {
          const { token, initialHolder, recipient, anotherAccount: spender, initialSupply } = await load();
          await token.write.approve([spender, initialSupply - 1n], { account: initialHolder });
          await assertions.revertWithCustomErrorWithArgs(
            token.write.transferFrom([initialHolder, recipient, initialSupply], { account: spender }),
            token,
            "ERC20InsufficientAllowance",
            [spender, initialSupply - 1n, initialSupply],
          );
        });

        it("reverts with ERC20InsufficientAllowance (owner lacks the balance too)", async () => {
          const { token, initialHolder, recipient, anotherAccount: spender, initialSupply } = await load();
          await token.write.approve([spender, initialSupply - 1n], { account: initialHolder });
          await assertions.revertWithCustomErrorWithArgs(
            token.write.transferFrom([initialHolder, recipient, initialSupply + 1n], { account: spender }),
            token,
            "ERC20InsufficientAllowance",
            [spender, initialSupply - 1n, initialSupply + 1n],
          );
        });

        it("reverts with ERC20InsufficientAllowance when nothing was approved", async () => {
          const { token, initialHolder, recipient, anotherAccount: spender } = await load();
          await assertions.revertWithCustomErrorWithArgs(
            token.write.transferFrom([initialHolder, recipient, 1n], { account: spender }),
            token,
            "ERC20InsufficientAllowance",
            [spender, 0n, 1n],
          );
        });
      });

      it("does not decrease an infinite allowance, and emits no Approval", async () => {
        const { token, initialHolder, recipient, anotherAccount: spender, initialSupply } = await load();
        await token.write.approve([spender, MAX_UINT256], { account: initialHolder });
        const hash = await token.write.transferFrom([initialHolder, recipient, initialSupply], { account: spender });
        assert.equal(await token.read.allowance([initialHolder, spender]), MAX_UINT256);
        const receipt = await (await ctx.viem.getPublicClient()).getTransactionReceipt({ hash });
        assert.equal(receipt.logs.length, 1, "only the Transfer log");
        assert.equal(await token.read.balanceOf([recipient]), initialSupply);
      });

      it("reverts with ERC20InvalidReceiver when the recipient is the zero address", async () => {
        const { token, initialHolder, anotherAccount: spender, initialSupply } = await load();
        await token.write.approve([spender, initialSupply], { account: initialHolder });
        await assertions.revertWithCustomErrorWithArgs(
          token.write.transferFrom([initialHolder, ZERO_ADDRESS, initialSupply], { account: spender }),
          token,
          "ERC20InvalidReceiver",
          [ZERO_ADDRESS],
        );
      });

      it("reverts with ERC20InvalidApprover when the owner is the zero address", async () => {
        const { token, recipient, anotherAccount: spender } = await load();
        await assertions.revertWithCustomErrorWithArgs(
          token.write.transferFrom([ZERO_ADDRESS, recipient, 0n], { account: spender }),
          token,
          "ERC20InvalidApprover",
          [ZERO_ADDRESS],
        );
      });
    });

    describe("approve", () => {
      it("sets the allowance and emits Approval", async () => {
        const { token, initialHolder, recipient: spender, initialSupply } = await load();
        await assertions.emitWithArgs(
          token.write.approve([spender, initialSupply], { account: initialHolder }),
          token,
          "Approval",
          [initialHolder, spender, initialSupply],
        );
        assert.equal(await token.read.allowance([initialHolder, spender]), initialSupply);
      });

      it("replaces a previous allowance, up or down", async () => {
        const { token, initialHolder, recipient: spender, initialSupply } = await load();
        await token.write.approve([spender, 1n], { account: initialHolder });
        await token.write.approve([spender, initialSupply * 3n], { account: initialHolder });
        assert.equal(await token.read.allowance([initialHolder, spender]), initialSupply * 3n);
        await token.write.approve([spender, 0n], { account: initialHolder });
        assert.equal(await token.read.allowance([initialHolder, spender]), 0n);
      });

      it("allows approving more than the balance", async () => {
        const { token, initialHolder, recipient: spender, initialSupply } = await load();
        await token.write.approve([spender, initialSupply + 1n], { account: initialHolder });
        assert.equal(await token.read.allowance([initialHolder, spender]), initialSupply + 1n);
      });

      it("reverts with ERC20InvalidSpender when the spender is the zero address", async () => {
        const { token, initialHolder, initialSupply } = await load();
        await assertions.revertWithCustomErrorWithArgs(
          token.write.approve([ZERO_ADDRESS, initialSupply], { account: initialHolder }),
          token,
          "ERC20InvalidSpender",
          [ZERO_ADDRESS],
        );
      });

      it("allowance is zero by default", async () => {
        const { token, initialHolder, anotherAccount } = await load();
        assert.equal(await token.read.allowance([initialHolder, anotherAccount]), 0n);
      });
    });
  });
}
