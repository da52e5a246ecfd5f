/**
 * The one-line fingerprint of the books: a Merkle root over (address, balance), computed exactly as
 * OpenZeppelin's StandardMerkleTree.of(values, ["address", "uint256"]) (@openzeppelin/merkle-tree):
 *
 *   leaf  = keccak256(bytes.concat(keccak256(abi.encode(address, uint256 balance))))
 *   leaves sorted ascending by hash; tree in an array, leaf i at position length-1-i;
 *   node  = keccak256(concat(sort(left, right)))      (commutative: OpenZeppelin's MerkleProof)
 *
 * Values: every account with a non-zero balance at the pinned block (zero balances are left out,
 * so the root depends on the balances only, not on who once held points). Empty: the zero hash.
 * Two auditors who agree on the books print the same root; a proof from this tree verifies with
 * OpenZeppelin's MerkleProof.verify on chain.
 */
import { concat, encodeAbiParameters, keccak256, type Hex } from "viem";

export const EMPTY_ROOT: Hex = `0x${"0".repeat(64)}`;

export function leafHash(address: string, balance: bigint): Hex {
  return keccak256(keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [address as Hex, balance])));
}

const hashPair = (a: Hex, b: Hex): Hex => keccak256(a < b ? concat([a, b]) : concat([b, a]));

/** Root of the tree over `entries` (any order; zero balances skipped). */
export function merkleRoot(entries: Iterable<readonly [string, bigint]>): { root: Hex; leaves: number } {
  const leaves: Hex[] = [];
  for (const [address, balance] of entries) if (balance !== 0n) leaves.push(leafHash(address.toLowerCase(), balance));
  if (!leaves.length) return { root: EMPTY_ROOT, leaves: 0 };
  // Lowercase hex of equal length: string order is byte order.
  leaves.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const tree: Hex[] = new Array(2 * leaves.length - 1);
  for (let i = 0; i < leaves.length; i++) tree[tree.length - 1 - i] = leaves[i];
  for (let i = tree.length - 1 - leaves.length; i >= 0; i--) tree[i] = hashPair(tree[2 * i + 1], tree[2 * i + 2]);
  return { root: tree[0], leaves: leaves.length };
}
