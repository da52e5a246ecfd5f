/** The relayer's ether, watched: a warning in the logs when it runs low (asked at most once a minute, after broadcasts). */
import type { Address, PublicClient } from "viem";
import { shortError } from "../chain/errors.ts";
import type { Log } from "./log.ts";

export class BalanceWatch {
  private lastCheck = 0;

  constructor(
    private readonly client: PublicClient,
    private readonly address: Address,
    private readonly lowBalanceWei: bigint,
    private readonly log: Log,
  ) {}

  async check(): Promise<void> {
    if (Date.now() - this.lastCheck < 60_000) return;
    this.lastCheck = Date.now();
    try {
      const balance = await this.client.getBalance({ address: this.address });
      if (balance < this.lowBalanceWei) this.log("warn", "relayer balance low: fund it", { address: this.address, balanceWei: balance, thresholdWei: this.lowBalanceWei });
    } catch (e) {
      this.lastCheck = 0;
      this.log("warn", "balance check failed", { error: shortError(e) });
    }
  }
}
