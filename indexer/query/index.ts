/**
 * The read side of the mirror: every SQL query over the mirror's tables, grouped by aggregate
 * (accounts, history, catalog, analytics, audit, the programme), for the web app, the keeper and
 * the benchmarks. Addresses may be given in any case; amounts come back as bigint. The web maps
 * these rows to its views in web/lib/data; nothing else writes SQL over the mirror (the indexer's
 * store writes it, the audit re-derives it from the chain).
 */
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../database/generated/client.ts";
import { createPool } from "../database/pool.ts";
import { accountQueries } from "./accounts.ts";
import { analyticsQueries } from "./analytics.ts";
import { auditQueries } from "./audit.ts";
import { catalogQueries } from "./catalog.ts";
import { historyQueries } from "./history.ts";
import { programQueries } from "./program.ts";

export type { AccountView } from "./accounts.ts";
export type { DayTotal, MerchantDayTotal, MerchantSeries } from "./analytics.ts";
export type { HistoryItem } from "./history.ts";
export type { MirrorCursor, MirrorMerchant } from "./program.ts";

export class MirrorQueries {
  readonly prisma: InstanceType<typeof PrismaClient>;
  readonly pool: pg.Pool;
  readonly accounts: ReturnType<typeof accountQueries>;
  readonly history: ReturnType<typeof historyQueries>;
  readonly catalog: ReturnType<typeof catalogQueries>;
  readonly analytics: ReturnType<typeof analyticsQueries>;
  readonly audit: ReturnType<typeof auditQueries>;
  readonly program: ReturnType<typeof programQueries>;

  constructor(databaseUrl: string, options: { poolSize?: number } = {}) {
    this.pool = createPool({ connectionString: databaseUrl, max: options.poolSize ?? 5, name: "loyalty-query" });
    this.prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: options.poolSize ?? 5 }) });
    const db = { pool: this.pool, prisma: this.prisma };
    this.accounts = accountQueries(db);
    this.history = historyQueries(db);
    this.catalog = catalogQueries(db);
    this.analytics = analyticsQueries(db);
    this.audit = auditQueries(db);
    this.program = programQueries(db);
  }

  async close() {
    await Promise.all([this.pool.end(), this.prisma.$disconnect()]);
  }
}
