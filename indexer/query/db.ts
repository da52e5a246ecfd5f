/** What every query module reads through: one pg pool (hot, prepared reads) and one Prisma client. */
import type pg from "pg";
import type { PrismaClient } from "../database/generated/client.ts";

export interface MirrorDb {
  pool: pg.Pool;
  prisma: InstanceType<typeof PrismaClient>;
}

export const norm = (address: string) => address.toLowerCase();

/** A numeric as Prisma or pg returns it (Decimal, string, bigint) as a bigint; null as 0. */
export const big = (v: { toFixed(): string } | string | bigint | number | null | undefined): bigint =>
  v === null || v === undefined ? 0n : typeof v === "bigint" ? v : BigInt(typeof v === "string" || typeof v === "number" ? v : v.toFixed());
