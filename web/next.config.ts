import path from "node:path";
import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

// The platform runs on machines with no network (like this one): Next's anonymous telemetry stays off
// for every next command (dev, build, start), without a notice on first run.
process.env.NEXT_TELEMETRY_DISABLED ??= "1";

/** The repository root: web/ imports the generated contracts module and the indexer's Prisma client. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const config: NextConfig = {
  turbopack: { root },
  outputFileTracingRoot: root,
  poweredByHeader: false,
  reactStrictMode: true,
  serverExternalPackages: ["@prisma/client", "@prisma/adapter-pg", "pg", "pg-boss", "nodemailer"],
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
      {
        // JSON and files, never rendered as a page: nothing may run or frame them (pages: proxy.ts).
        source: "/api/:path*",
        headers: [{ key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'; sandbox" }],
      },
      { source: "/metrics", headers: [{ key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'" }] },
    ];
  },
};

export default config;
