/**
 * A shared behaviour (OpenZeppelin's way of testing a property across functions): every
 * state-changing function of a contract is listed with what an emergency pause does to it, and
 * each listed call is tried. A function added to the contract without a decision fails the first
 * test, so the pause can never silently miss a new entry point.
 *
 * Each case builds, from a fresh fixture, a call that succeeds while the program runs. For a call
 * the pause stops: pause, the call reverts with EnforcedPause, unpause, the very same call
 * succeeds (so the pause, and nothing else, was what stopped it). For a call the pause lets
 * through: pause, the call succeeds.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toFunctionSignature, type Abi, type AbiFunction, type Hash } from "viem";

export interface PauseCase<P> {
  /** Who calls, for the test's title. */
  by: string;
  /** What an emergency pause does to this call. */
  whilePaused: "reverts" | "succeeds";
  /** Prepares the state the call needs (before any pause) and returns the call. */
  prepare: (program: P) => Promise<() => Promise<Hash>>;
}

/** `name(type,…)`: tells overloads apart (tuples appear as `tuple`). */
/** The canonical signature (tuples spelt out, as in a selector): `issuePurchases((address,uint256,bytes32)[])`. */
export const signatureOf = (f: AbiFunction) => toFunctionSignature(f);

export function stateChangingFunctions(abi: Abi): string[] {
  return abi
    .filter((item): item is AbiFunction => item.type === "function" && (item.stateMutability === "nonpayable" || item.stateMutability === "payable"))
    .map(signatureOf)
    .sort();
}

export function shouldRespectThePause<P>(options: {
  contractName: string;
  abi: Abi;
  load: () => Promise<P>;
  pause: (program: P) => Promise<unknown>;
  unpause: (program: P) => Promise<unknown>;
  /** Asserts that `call` reverted with the pause's error. */
  expectPaused: (program: P, call: Promise<Hash>) => Promise<void>;
  /** Asserts that the transaction succeeded. */
  expectSuccess: (hash: Hash) => Promise<void>;
  cases: Record<string, PauseCase<P>[]>;
}) {
  const { contractName, abi, load, pause, unpause, expectPaused, expectSuccess, cases } = options;
  describe(`${contractName} under an emergency pause`, () => {
    it("decides for every state-changing function what the pause does", () => {
      assert.deepEqual(Object.keys(cases).sort(), stateChangingFunctions(abi));
      for (const [signature, list] of Object.entries(cases)) assert.ok(list.length > 0, `${signature}: no case`);
    });

    for (const [signature, list] of Object.entries(cases)) {
      for (const c of list) {
        const title = `${signature} by ${c.by} ${c.whilePaused === "reverts" ? "is stopped by the pause (EnforcedPause), and works again once lifted" : "still works while paused"}`;
        it(title, async () => {
          const program = await load();
          const call = await c.prepare(program);
          await pause(program);
          if (c.whilePaused === "reverts") {
            await expectPaused(program, call());
            await unpause(program);
          }
          await expectSuccess(await call());
        });
      }
    }
  });
}
