import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { Header } from "@/components/Header.tsx";
import { Providers } from "@/components/Providers.tsx";
import { publicConfig } from "@/lib/config.ts";
import { getI18n } from "@/lib/i18n/server.ts";
import "./globals.css";

export async function generateMetadata(): Promise<Metadata> {
  const { t } = await getI18n();
  return { title: { default: t("app.name"), template: `%s · ${t("app.name")}` }, description: t("app.tagline") };
}

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#1d3557" };

export default async function RootLayout({ children }: { children: ReactNode }) {
  const { locale, t, dictionary } = await getI18n();
  let chain = null;
  try {
    const c = publicConfig();
    chain = { chainId: c.chainId, chainName: c.chainName, points: c.points, rewards: c.rewards, forwarder: c.forwarder };
  } catch {
    chain = null;
  }
  return (
    <html lang={locale}>
      <body>
        <Providers locale={locale} dictionary={dictionary} chain={chain}>
          <Header />
          <main id="main" tabIndex={-1}>
            {children}
          </main>
          <footer className="site-footer">
            <p>{t("footer.text")}</p>
          </footer>
        </Providers>
      </body>
    </html>
  );
}
