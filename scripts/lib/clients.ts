/** viem clients for a JSON-RPC endpoint, with the chain id read from the node itself. */
import { createPublicClient, createWalletClient, defineChain, http, type Account, type Chain, type PublicClient } from "viem";
import { redactUrl, redactUrls } from "./redact.ts";

export async function chainFromRpc(rpcUrl: string): Promise<Chain> {
  const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) });
  let id: number;
  try {
    id = await probe.getChainId();
  } catch (error) {
    throw new Error(`cannot reach the RPC at ${redactUrl(rpcUrl)}: ${redactUrls((error as Error).message.split("\n")[0]!)}`);
  }
  return defineChain({
    id,
    name: id === 31337 ? "Hardhat (local)" : `chain ${id}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

export async function connect(rpcUrl: string, account?: Account) {
  const chain = await chainFromRpc(rpcUrl);
  const transport = http(rpcUrl, { maxResponseBodySize: 256 * 1024 * 1024 });
  const publicClient = createPublicClient({ chain, transport, cacheTime: 0 }) as PublicClient;
  const walletClient = account ? createWalletClient({ chain, transport, account }) : undefined;
  return { chain, publicClient, walletClient };
}
