/** The program's parameters at deployment; the operator can change tiers and expiry later. */
export interface ProgramConfig {
  tokenName: string;
  tokenSymbol: string;
  /** Lifetime earned points for tiers 1, 2, 3… (tier 0 is the base tier). */
  tierThresholds: bigint[];
  /** Seconds without activity after which a balance may be expired (0: never). */
  inactivityPeriod: bigint;
}

export const DEFAULT_PROGRAM: ProgramConfig = {
  tokenName: "Loyalty Points",
  tokenSymbol: "LPT",
  tierThresholds: [1_000n, 5_000n, 20_000n],
  inactivityPeriod: 365n * 24n * 60n * 60n,
};
