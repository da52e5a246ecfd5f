/**
 * The message a member signs with their own wallet to move a custodial account there: it names
 * the site, the chain, both addresses and a server nonce (used once), so a signature made for
 * another account, site, chain or attempt proves nothing. Shared by the page and the server.
 */
import type { Address } from "viem";

export function moveProofMessage(p: { domain: string; chainId: number; custodial: Address; wallet: Address; nonce: string }): string {
  return [
    `${p.domain} asks you to confirm that this wallet receives your loyalty account.`,
    "",
    `Move account: ${p.custodial}`,
    `To wallet: ${p.wallet}`,
    `Chain ID: ${p.chainId}`,
    `Nonce: ${p.nonce}`,
  ].join("\n");
}
