/**
 * The purchase API's dependencies from this server's configuration: the app's own write pool
 * (keys, rules, purchases, apart from the pages' mirror reads), the relayer, and the program.
 */
import "server-only";
import pg from "pg";
import { databaseUrl, deployment } from "../config.ts";
import { NoDatabaseError } from "../data/db.ts";
import { createPool } from "../../../indexer/database/pool.ts";
import { relayer, relayerClient } from "../relayer/index.ts";
import type { PoolLike } from "../../../scripts/lib/queryable.ts";
import type { PurchaseDeps } from "./purchases.ts";

const g = globalThis as unknown as { __apiPool?: pg.Pool };

/** The app's own writes (keys, rules, purchases): a pool apart from the pages' mirror reads. */
export function apiPool(): PoolLike {
  const url = databaseUrl();
  if (!url) throw new NoDatabaseError("DATABASE_URL is not set");
  g.__apiPool ??= createPool({ connectionString: url, max: 20, name: "purchase-api" });
  return g.__apiPool as unknown as PoolLike;
}

export function purchaseDeps(): PurchaseDeps {
  const d = deployment();
  return { db: apiPool(), client: relayerClient(), relayer: relayer(), points: d.contracts.LoyaltyPoints.address, fromBlock: BigInt(d.startBlock) };
}
