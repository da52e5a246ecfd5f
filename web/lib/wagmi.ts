/**
 * wagmi for the browser: one chain (the program's), EIP-6963 injected wallets discovered at run
 * time (no connector bundled), reads through the server's read-only /api/rpc. Created in the browser
 * only, by the lazily loaded wallet module (lib/wallet/wallet.ts).
 */
import { createConfig, http, type CreateConnectorFn } from "wagmi";
import { defineChain } from "viem";

export interface ChainInfo {
  chainId: number;
  chainName: string;
  points: `0x${string}`;
  rewards: `0x${string}`;
  /** The ERC-2771 forwarder: self-custody members sign forward requests to it for gasless actions. */
  forwarder: `0x${string}`;
}

export function makeWagmiConfig(info: ChainInfo) {
  const rpc = typeof window === "undefined" ? "http://localhost/api/rpc" : `${window.location.origin}/api/rpc`;
  const chain = defineChain({
    id: info.chainId,
    name: info.chainName,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpc] } },
  });
  return createConfig({
    chains: [chain],
    // None bundled: the EIP-6963 wallets found in the browser are added at run time.
    connectors: [] as CreateConnectorFn[],
    multiInjectedProviderDiscovery: true,
    transports: { [chain.id]: http(rpc, { batch: true }) },
  });
}
