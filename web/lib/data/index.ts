/**
 * The one data-access entry point of the pages: the mirror's rows (indexer/query) mapped to the
 * views the pages show (./mirror.ts).
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
