/** The reward catalog and the reward NFTs members hold. */
import { norm, type MirrorDb } from "./db.ts";

export function catalogQueries({ prisma }: MirrorDb) {
  return {
    /** The reward catalog, by id. */
    rewards() {
      return prisma.reward.findMany({ orderBy: { id: "asc" } });
    },

    /** Reward NFTs held by `owner`, with their reward, newest first. */
    tokensOf(owner: string) {
      return prisma.rewardToken.findMany({ where: { owner: norm(owner) }, include: { reward: true }, orderBy: { mintedBlock: "desc" } });
    },

    /** The names of the rewards `ids`. */
    async rewardNames(ids: bigint[]): Promise<Map<bigint, string>> {
      if (ids.length === 0) return new Map();
      const rewards = await prisma.reward.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
      return new Map(rewards.map((r) => [r.id, r.name]));
    },
  };
}
