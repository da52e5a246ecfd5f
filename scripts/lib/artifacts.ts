/** Compiled contracts (ABI and creation bytecode) from Hardhat's artifacts/, for deploying with viem. */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Abi, Hex } from "viem";

const SOURCES = {
  LoyaltyForwarder: "metatx/LoyaltyForwarder.sol",
  LoyaltyPoints: "points/LoyaltyPoints.sol",
  RewardNFT: "rewards/RewardNFT.sol",
  OzPlainERC20: "mocks/OzPlainTokens.sol",
  OzPlainERC721: "mocks/OzPlainTokens.sol",
  NonReceiver: "mocks/OzPlainTokens.sol",
  ReentrantReceiver: "mocks/HostileContracts.sol",
} as const;

export type ArtifactName = keyof typeof SOURCES;

export function readArtifact(name: ArtifactName, root = process.cwd()): { abi: Abi; bytecode: Hex } {
  const file = path.join(root, "artifacts/contracts", SOURCES[name], `${name}.json`);
  try {
    const { abi, bytecode } = JSON.parse(readFileSync(file, "utf8")) as { abi: Abi; bytecode: Hex };
    return { abi, bytecode };
  } catch (error) {
    throw new Error(`cannot read the artifact of ${name} at ${file} (run \`npm run build:contracts\`): ${(error as Error).message}`);
  }
}
