"use client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createContext, useContext, useState, type ReactNode } from "react";
import { WagmiProvider } from "wagmi";
import { I18nProvider } from "@/lib/i18n/client.tsx";
import type { Locale, Messages } from "@/lib/i18n/index.ts";
import { makeWagmiConfig, type ChainInfo } from "@/lib/wagmi.ts";

const ChainContext = createContext<ChainInfo | null>(null);

export function useOptionalChainInfo(): ChainInfo | null {
  return useContext(ChainContext);
}

export function useChainInfo(): ChainInfo {
  const info = useContext(ChainContext);
  if (!info) throw new Error("useChainInfo outside Providers");
  return info;
}

export function Providers({ locale, messages, chain, children }: { locale: Locale; messages: Messages; chain: ChainInfo | null; children: ReactNode }) {
  const [queryClient] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, retry: 1 } } }));
  const [config] = useState(() => (chain ? makeWagmiConfig(chain) : null));
  const inner = (
    <QueryClientProvider client={queryClient}>
      <I18nProvider locale={locale} messages={messages}>{children}</I18nProvider>
    </QueryClientProvider>
  );
  if (!config || !chain) return inner;
  return (
    <ChainContext.Provider value={chain}>
      <WagmiProvider config={config}>{inner}</WagmiProvider>
    </ChainContext.Provider>
  );
}
