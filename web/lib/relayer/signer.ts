/** Signs the relayer's EIP-1559 transactions with its local key (the key never leaves the account object). */
import { keccak256, type Address, type Hash, type Hex, type LocalAccount, type PublicClient } from "viem";

export class Signer {
  private fees: { at: number; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | null = null;

  constructor(
    private readonly client: PublicClient,
    private readonly account: LocalAccount,
    private readonly chainId: number,
  ) {}

  /** Fee estimates, cached 5 s (a batch of 32 asks once); twice the estimated max fee, so that a rising base fee does not strand a batch. */
  private async currentFees() {
    if (this.fees && Date.now() - this.fees.at < 5_000) return this.fees;
    const f = await this.client.estimateFeesPerGas();
    this.fees = { at: Date.now(), maxFeePerGas: f.maxFeePerGas * 2n, maxPriorityFeePerGas: f.maxPriorityFeePerGas };
    return this.fees;
  }

  async sign(nonce: bigint, to: Address, data: Hex, gas: bigint): Promise<{ raw: Hex; hash: Hash }> {
    const fees = await this.currentFees();
    const raw = await this.account.signTransaction!({
      chainId: this.chainId,
      type: "eip1559",
      nonce: Number(nonce),
      to,
      data,
      gas,
      value: 0n,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    return { raw, hash: keccak256(raw) };
  }
}
