/**
 * What the server says of a prepared audit report (web/lib/audit-report.ts) and what the page shows
 * of it (components/AuditReportDownload.tsx): kept apart from the server-only module so that the
 * client component types the same answer instead of a copy of it.
 */
export const REPORT_FILES = ["report.json", "accounts.csv", "discrepancies.csv"] as const;
export type ReportFile = (typeof REPORT_FILES)[number];

export interface ReportSummary {
  key: string;
  mirror: boolean;
  ok: boolean;
  chainId: number;
  block: number;
  blockHash: string;
  merkleRoot: string;
  leaves: number;
  accounts: number;
  discrepancies: number;
  /** The accounts (or objects) of the first discrepancies, for a quick look. */
  discrepancyAccounts: string[];
  stamp: string;
  generatedAt: string;
  seconds: number;
  files: Record<ReportFile, { name: string; bytes: number }>;
}
