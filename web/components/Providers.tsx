"use client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createContext, useContext, useState, type ReactNode } from "react";
import { I18nProvider } from "@/lib/i18n/client.tsx";
import type { Locale } from "@/lib/i18n/index.ts";
import type { ChainInfo } from "@/lib/wagmi.ts";

const ChainContext = createContext<ChainInfo | null>(null);

export function useOptionalChainInfo(): ChainInfo | null {
  return useContext(ChainContext);
}

export function useChainInfo(): ChainInfo {
  const info = useContext(ChainContext);
  if (!info) throw new Error("useChainInfo outside Providers");
  return info;
}

/**
 * Queries, the language (its dictionary only: `dictionary`, JSON text) and the program's chain. No wallet
 * provider: the wallet libraries load on demand (lib/wallet), never for a custodial member.
 */
export function Providers({ locale, dictionary, chain, children }: { locale: Locale; dictionary: string; chain: ChainInfo | null; children: ReactNode }) {
  const [queryClient] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, retry: 1 } } }));
  const inner = (
    <QueryClientProvider client={queryClient}>
      <I18nProvider locale={locale} dictionary={dictionary}>
        {children}
      </I18nProvider>
    </QueryClientProvider>
  );
  if (!chain) return inner;
  return <ChainContext.Provider value={chain}>{inner}</ChainContext.Provider>;
}
