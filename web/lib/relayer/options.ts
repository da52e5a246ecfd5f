/** How a relayer is configured (web/lib/relayer/index.ts reads the environment), and its defaults. */
import type { LocalAccount, PublicClient } from "viem";
import type { Limit } from "../auth/rate-limit.ts";
import type { ProgramAddresses } from "./allowlist.ts";
import type { PoolLike } from "../../../scripts/lib/queryable.ts";
import type { Log } from "./log.ts";

export interface RelayerOptions {
  pool: PoolLike;
  client: PublicClient;
  account: LocalAccount;
  chainId: number;
  contracts: ProgramAddresses;
  log?: Log;
  /** Block watcher poll interval (ms). */
  pollMs?: number;
  /** How long a caller waits for its receipt before "unavailable" (the transaction stays tracked). */
  confirmTimeoutMs?: number;
  /** Most calls signed per nonce-allocation transaction. */
  maxBatch?: number;
  /** Transport retries of a broadcast (exponential backoff from 100 ms). */
  retries?: number;
  /**
   * Most forwarded requests relayed per window: per `from` address, per signed-in account and per
   * client address (a new address costs nothing, a new account little, a new client address more).
   * The allowlist says WHAT the relayer pays for; these say how much one party may ask.
   */
  quotas?: Partial<ForwardQuotas>;
  /** Gas the relayer spends on members' forwarded requests per window, all members together. */
  forwardGasBudget?: GasBudget;
  /** Below this balance (wei) the relayer warns in its logs (at most once a minute). */
  lowBalanceWei?: bigint;
}

export interface ForwardQuotas {
  perAddress: Limit;
  perAccount: Limit;
  perIp: Limit;
}

export interface GasBudget {
  maxGas: bigint;
  windowSeconds: number;
}

/** 120 relayed actions per member per hour (far above a shopper's use, far below a drain), 600 per client address. */
export const DEFAULT_QUOTAS: ForwardQuotas = {
  perAddress: { max: 120, windowSeconds: 3600 },
  perAccount: { max: 120, windowSeconds: 3600 },
  perIp: { max: 600, windowSeconds: 3600 },
};

/** 200M gas of members' requests per hour: ~1,000 redemptions, ~3,000 transfers. */
export const DEFAULT_FORWARD_GAS_BUDGET: GasBudget = { maxGas: 200_000_000n, windowSeconds: 3600 };
export const DEFAULT_LOW_BALANCE_WEI = 5n * 10n ** 16n;
/** The longest a forwarded request may stay valid: a wallet signs for 10 minutes, the server for 2. */
export const MAX_FORWARD_VALIDITY_SECONDS = 3600;

/** Who asks for a forwarded request: the quotas count them (the route handlers say). */
export interface ForwardOrigin {
  idempotencyKey?: string;
  /** The signed-in account ("wallet:<address>" or "user:<id>"). */
  account?: string;
  /** The client's address (web/lib/client-ip.ts). */
  ip?: string;
}
