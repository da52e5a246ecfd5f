/**
 * The one data-access entry point of the pages. Today it reads the mirror through the indexer's
 * Prisma schema (./mirror.ts); when indexer/query/ exports balances/history/holders/totals, switch
 * the implementations here and nowhere else.
 */
export {
  getMemberOverview,
  getAccountSummary,
  getHistory,
  getCatalog,
  getProgramStats,
  getMirrorStatus,
  getSettings,
  getMerchants,
  getCharities,
  getAuditSnapshot,
  getAuditRows,
  getAccountTrail,
  auditBlock,
  isIndexed,
  getTxEvents,
  getMerchantAnalytics,
  nextTierOf,
} from "./mirror.ts";
export type * from "./types.ts";
