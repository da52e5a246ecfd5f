/**
 * The balance lookup written with Prisma's query builder, for the benchmark's comparison with the
 * prepared statement the query layer uses (indexer/query/accounts.ts); nothing else calls it.
 */
import type { MirrorQueries } from "../../indexer/query/index.ts";

export async function balanceThroughPrisma(q: MirrorQueries, address: string): Promise<bigint> {
  const a = await q.prisma.account.findUnique({ where: { address: address.toLowerCase() }, select: { balance: true } });
  return a ? BigInt(a.balance.toFixed(0)) : 0n;
}
