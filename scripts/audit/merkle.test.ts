import { concat, encodeAbiParameters, keccak256, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { EMPTY_ROOT, leafHash, merkleRoot } from "./merkle.ts";

const addr = (i: number) => `0x${i.toString(16).padStart(40, "0")}`;
const books = (n: number) => Array.from({ length: n }, (_, i) => [addr(i + 1), BigInt((i + 1) * 7)] as const);
const pair = (a: Hex, b: Hex) => keccak256(a < b ? concat([a, b]) : concat([b, a]));

describe("merkleRoot", () => {
  it("uses OpenZeppelin's StandardMerkleTree leaf: double keccak of abi.encode(address, uint256)", () => {
    const inner = keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [addr(1) as Hex, 5n]));
    expect(leafHash(addr(1), 5n)).toBe(keccak256(inner));
    expect(merkleRoot([[addr(1), 5n]]).root).toBe(keccak256(inner));
  });

  it("builds the tree as StandardMerkleTree does (sorted leaves, sorted pairs)", () => {
    const [l0, l1, l2] = books(3).map(([a, b]) => leafHash(a, b)).sort();
    // With 3 sorted leaves: tree[4]=l0, tree[3]=l1, tree[2]=l2, tree[1]=pair(tree[3],tree[4]), tree[0]=pair(tree[1],tree[2]).
    expect(merkleRoot(books(3)).root).toBe(pair(pair(l1, l0), l2));
  });

  it("is stable, independent of order, and ignores zero balances", () => {
    const a = merkleRoot(books(50));
    expect(merkleRoot(books(50)).root).toBe(a.root);
    expect(merkleRoot([...books(50)].reverse()).root).toBe(a.root);
    expect(merkleRoot([...books(50), [addr(999), 0n]]).root).toBe(a.root);
    expect(a.leaves).toBe(50);
    expect(merkleRoot([]).root).toBe(EMPTY_ROOT);
  });

  it("changes when any single balance changes", () => {
    const base = books(40);
    const root = merkleRoot(base).root;
    const roots = new Set<string>([root]);
    for (let i = 0; i < base.length; i++) {
      const changed = base.map(([a, b], j) => [a, j === i ? b + 1n : b] as const);
      roots.add(merkleRoot(changed).root);
    }
    expect(roots.size).toBe(base.length + 1);
  });
});
