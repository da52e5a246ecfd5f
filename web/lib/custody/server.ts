/** The dependencies of members' own actions (./member-actions.ts, ./move.ts) from this server's configuration. */
import "server-only";
import pg from "pg";
import { chainClient } from "../chain/server.ts";
import { chainId, databaseUrl, deployment } from "../config.ts";
import { appDb, NoDatabaseError } from "../data/db.ts";
import { createPool } from "../../../indexer/database/pool.ts";
import { relayer } from "../relayer/index.ts";
import { kekFromEnv } from "./kek.ts";
import type { CustodyDeps } from "./member-actions.ts";
import { tokensHeld, type MoveDeps } from "./move.ts";
import type { Holdings } from "./privacy.ts";
import { loyaltyPointsAbi } from "../../../contracts/generated/contracts.ts";
import type { Address } from "viem";
import type { PoolLike } from "../../../scripts/lib/queryable.ts";

const g = globalThis as unknown as { __memberLocks?: pg.Pool };

/** Connections that hold members' advisory locks while their request is relayed: a pool apart, so
 * waiting actions never starve the pages' reads. */
function lockPool(): PoolLike {
  const url = databaseUrl();
  if (!url) throw new NoDatabaseError("DATABASE_URL is not set");
  g.__memberLocks ??= createPool({ connectionString: url, max: 10, name: "member-locks" });
  return g.__memberLocks;
}

export function custodyDeps(): CustodyDeps {
  const d = deployment();
  return {
    db: appDb(),
    locks: lockPool(),
    kek: kekFromEnv(),
    client: chainClient(),
    chainId: chainId(),
    contracts: { points: d.contracts.LoyaltyPoints.address, rewards: d.contracts.RewardNFT.address, forwarder: d.contracts.LoyaltyForwarder.address },
    relayer,
  };
}

export function moveDeps(): MoveDeps {
  return { ...custodyDeps(), startBlock: BigInt(deployment().startBlock) };
}

/** What the addresses hold on chain now (points, reward tokens): deletion warns about it. */
export async function holdingsOnChain(addresses: Address[]): Promise<Holdings> {
  const d = deployment();
  const deps = { client: chainClient(), contracts: { points: d.contracts.LoyaltyPoints.address, rewards: d.contracts.RewardNFT.address, forwarder: d.contracts.LoyaltyForwarder.address }, startBlock: BigInt(d.startBlock) };
  let points = 0n;
  let nfts = 0;
  for (const a of addresses) {
    points += await deps.client.readContract({ address: deps.contracts.points, abi: loyaltyPointsAbi, functionName: "balanceOf", args: [a] });
    nfts += (await tokensHeld(deps, a)).length;
  }
  return { points, nfts };
}
