/**
 * The purchase API's dependencies from this server's configuration: the app's own write pool
 * (keys, rules, purchases, apart from the pages' mirror reads), the relayer, the process's one
 * batcher over it, and the program. The first use starts the sweep that finishes purchases a dead
 * server left pending (recoverPurchases), once per lease.
 */
import "server-only";
import pg from "pg";
import { databaseUrl, deployment } from "../config.ts";
import { NoDatabaseError } from "../data/db.ts";
import { createPool } from "../../../indexer/database/pool.ts";
import { relayer, relayerClient } from "../relayer/index.ts";
import type { PoolLike } from "../../../scripts/lib/queryable.ts";
import { createLogger } from "../../../scripts/lib/log.ts";
import { PurchaseBatcher } from "./batcher.ts";
import { recoverPurchases, type PurchaseDeps } from "./purchases.ts";

const g = globalThis as unknown as { __apiPool?: pg.Pool; __purchaseDeps?: { relayer: unknown; deps: PurchaseDeps; sweep: NodeJS.Timeout } };
const SWEEP_MS = 30_000;
const log = createLogger({ component: "purchase-api" });

/** The app's own writes (keys, rules, purchases): a pool apart from the pages' mirror reads. */
export function apiPool(): PoolLike {
  const url = databaseUrl();
  if (!url) throw new NoDatabaseError("DATABASE_URL is not set");
  g.__apiPool ??= createPool({ connectionString: url, max: 20, name: "purchase-api" });
  return g.__apiPool as unknown as PoolLike;
}

export function purchaseDeps(): PurchaseDeps {
  const d = deployment();
  const r = relayer();
  // One batcher per relayer (a redeployed local chain gets a new relayer, hence a new batcher).
  if (g.__purchaseDeps?.relayer === r) return g.__purchaseDeps.deps;
  if (g.__purchaseDeps) clearInterval(g.__purchaseDeps.sweep);
  const points = d.contracts.LoyaltyPoints.address;
  const db = apiPool();
  const client = relayerClient();
  const deps: PurchaseDeps = { db, client, relayer: r, batcher: new PurchaseBatcher({ db, client, relayer: r, points }), points, fromBlock: BigInt(d.startBlock) };
  const sweep = () =>
    recoverPurchases(deps).then(
      (n) => n && log.info("purchases taken over", { count: n }),
      (e) => log.warn("purchase sweep failed", { error: e as Error }),
    );
  g.__purchaseDeps = { relayer: r, deps, sweep: setInterval(sweep, SWEEP_MS).unref() };
  void sweep();
  return deps;
}
