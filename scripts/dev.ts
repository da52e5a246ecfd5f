/**
 * `npm run dev`: the whole system on one machine. Compiles and deploys the contracts on a local
 * Hardhat chain, seeds the demo program, mirrors it into Postgres with the indexer (an embedded
 * Postgres under ./.data unless DATABASE_URL is set), runs the expiry keeper, the mail worker and a
 * local mail catcher (MailDev: every mail the programme sends lands in its web inbox, none leaves
 * the machine) and serves the web app. Ctrl-C stops everything it started.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { embeddedDatabaseUrl } from "../indexer/database/embedded-url.ts";
import { ensureDevKeyEncryptionKey } from "../web/lib/custody/dev-kek.ts";
import { parseCli, runMain } from "./lib/cli.ts";
import { rpcReady, startProcess, stopAll, waitFor, type Managed } from "./lib/processes.ts";
import { createLogger } from "./lib/log.ts";
import { redactUrl } from "./lib/redact.ts";
import { toHex } from "viem";
import { DEV_ROLES, devAccount } from "./lib/dev-accounts.ts";

const spec = {
  name: "dev",
  summary: "run the whole loyalty platform locally: chain, contracts, demo data",
  usage: "npm run dev -- [--port <n>] [--web-port <n>] [--indexer-port <n>] [--keeper-port <n>] [--mail-port <n>] [--mail-web-port <n>] [--no-seed] [--no-web]",
  options: {
    port: { type: "string", default: "8545" },
    "web-port": { type: "string", default: "3000" },
    "indexer-port": { type: "string", default: "42069" },
    "keeper-port": { type: "string", default: process.env.KEEPER_PORT ?? "42070" },
    "mail-port": { type: "string", default: "1025" },
    "mail-web-port": { type: "string", default: "1080" },
    "no-seed": { type: "boolean", default: false },
    "no-web": { type: "boolean", default: false },
  },
  help: {
    port: "port of the local JSON-RPC chain",
    "web-port": "port of the web app",
    "indexer-port": "port of the indexer's /health, /ready and /metrics",
    "keeper-port": "port of the expiry keeper's /health and /metrics (or KEEPER_PORT)",
    "mail-port": "SMTP port of the local mail catcher (the mail worker sends there)",
    "mail-web-port": "port of the mail catcher's web inbox",
    "no-seed": "deploy the contracts but create no demo data",
    "no-web": "run chain, contracts and indexer only",
  },
} as const;

async function main() {
  const args = parseCli(spec);
  const log = createLogger({ component: "dev" });
  const rpcUrl = `http://127.0.0.1:${args.port}`;
  process.env.RPC_URL = rpcUrl;
  // Custodial wallets' keys are encrypted under this key; the web process inherits it. Generated
  // once into the git-ignored .env.local (never printed): losing it loses every custodial wallet.
  const kek = ensureDevKeyEncryptionKey(path.resolve(".env.local"));
  if (kek.source === "created") log.info("generated the custodial key-encryption key", { file: kek.file });

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log.info("stopping everything");
    await stopAll();
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));

  log.info("compiling contracts");
  execFileSync("npm", ["run", "--silent", "build:contracts"], { stdio: "inherit" });
  execFileSync("npm", ["run", "--silent", "build:db"], { stdio: "inherit" });
  // Imported only now: these modules import the generated contracts module and Prisma client that
  // the two builds above just wrote, so a fresh clone (or a pull that changed a contract) never
  // loads a missing or stale copy.
  const { deployCommand } = await import("./deploy.ts");
  const { seedCommand } = await import("./seed.ts");
  const { forgetPreviousChain, issueDemoApiKey, seedDemoEarningRules } = await import("./demo/app-data.ts");

  /** Any service that dies takes the whole stack down, loudly: a half-running demo misleads. */
  const exitWith = (managed: Managed, what: string) =>
    void managed.exited.then((code) => {
      if (!stopping) {
        log.error(`${what} stopped`, { code });
        void shutdown(1);
      }
    });

  // The mail catcher, started first: it takes a few seconds and needs nothing else. Node itself
  // runs it (not npx), so that stopping it stops it.
  const mailInbox = `http://127.0.0.1:${args["mail-web-port"]}`;
  const catcher = startProcess(
    "maildev",
    process.execPath,
    [path.resolve("node_modules/maildev/dist/bin/maildev.js"), "--smtp", args["mail-port"]!, "--ip", "127.0.0.1", "--web", args["mail-web-port"]!, "--web-ip", "127.0.0.1"],
    { quiet: true },
  );
  exitWith(catcher, "the mail catcher");
  // One session key for this run, shared by the web app (cookies, emailed links) and the mail
  // worker (which writes those links).
  const sessionSecret = process.env.SESSION_SECRET ?? randomBytes(32).toString("hex");

  const chain = startProcess("chain", "npx", ["hardhat", "node", "--network", "demo", "--port", args.port!], { quiet: true });
  exitWith(chain, "the chain");
  await waitFor(`the chain on ${rpcUrl}`, rpcReady(rpcUrl));
  log.info("chain ready", { rpcUrl: redactUrl(rpcUrl), chainId: 31337 });

  const deployment = await deployCommand(["--rpc-url", rpcUrl]);
  if (!args["no-seed"]) await seedCommand(["--rpc-url", rpcUrl]);

  // Each dev chain is new (its genesis differs), so a mirror of the previous one is reset. A local
  // chain mines only on transactions, so with 0 confirmations the audit page shows the head rather
  // than waiting for blocks that an idle chain never mines; a developer's evm_revert is a reorg the
  // indexer rolls back like any other.
  const indexerUrl = `http://127.0.0.1:${args["indexer-port"]}`;
  const indexer = startProcess("indexer", "npx", ["tsx", "indexer/cli.ts", "--rpc-url", rpcUrl, "--port", args["indexer-port"]!, "--reset-on-mismatch", "--confirmations", "0", "--no-progress"], {
    env: { ...process.env, LOG_FORMAT: "json" },
  });
  exitWith(indexer, "the indexer");
  await waitFor("the indexer to catch up", async () => (await fetch(`${indexerUrl}/ready`)).ok, 180_000);
  log.info("indexer caught up", { url: indexerUrl });
  // The indexer has migrated the database: the previous chain's app rows go (see
  // forgetPreviousChain), then the app's demo data (an API key, earning rules, a campaign).
  const databaseUrl = process.env.DATABASE_URL ?? embeddedDatabaseUrl(path.resolve(".data"));
  const demoKey = !args["no-seed"] && databaseUrl !== undefined;
  if (databaseUrl) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    try {
      await forgetPreviousChain(pool);
      if (demoKey) {
        await issueDemoApiKey(pool, devAccount(DEV_ROLES.merchants[0]).address, path.resolve(".env.local"));
        await seedDemoEarningRules(pool, DEV_ROLES.merchants.map((i) => devAccount(i).address));
      }
    } finally {
      await pool.end();
    }
  }

  // The expiry keeper, every 30 s, with its own key (Hardhat account #39, public like all of them):
  // it expires what the inactivity rule allows as the chain's time moves on.
  const keeperUrl = `http://127.0.0.1:${args["keeper-port"]}`;
  // Node itself (not npx → sh → node), so that stopping it waits for the keeper's own exit, its
  // database connections closed, before the indexer stops the embedded Postgres under it.
  const keeper = startProcess("keeper", process.execPath, ["--import", "tsx", "scripts/keeper/cli.ts", "--rpc-url", rpcUrl, "--port", args["keeper-port"]!, "--interval", "30"], {
    env: { ...process.env, LOG_FORMAT: "json", ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), KEEPER_PRIVATE_KEY: toHex(devAccount(DEV_ROLES.keeper).getHdKey().privateKey!) },
  });
  exitWith(keeper, "the keeper");
  await waitFor("the keeper", async () => (await fetch(`${keeperUrl}/health`)).ok, 60_000);

  // The mail worker: the queue's jobs (verification and reset links) go to the catcher by SMTP.
  const webUrl = `http://localhost:${args["web-port"]}`;
  await waitFor(`the mail catcher on ${mailInbox}`, async () => (await fetch(`${mailInbox}/api/healthz`)).ok, 60_000);
  const mail = startProcess("mail", process.execPath, ["--import", "tsx", "scripts/mail/cli.ts", "--poll", "1"], {
    env: {
      ...process.env,
      LOG_FORMAT: "json",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      SMTP_URL: process.env.SMTP_URL ?? `smtp://127.0.0.1:${args["mail-port"]}`,
      APP_URL: process.env.APP_URL ?? webUrl,
      SESSION_SECRET: sessionSecret,
    },
  });
  exitWith(mail, "the mail worker");

  // The webhook worker: merchants' signed webhooks (purchase.issued, purchase.refunded).
  const webhooks = startProcess("webhooks", process.execPath, ["--import", "tsx", "scripts/webhooks/cli.ts", "--poll", "1"], {
    env: { ...process.env, LOG_FORMAT: "json", ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) },
  });
  exitWith(webhooks, "the webhook worker");

  if (!args["no-web"]) {
    const web = startProcess("web", "npx", ["next", "dev", "web", "--port", args["web-port"]!], {
      // The relayer (gasless member actions, the purchase API's issuing agent) is Hardhat account
      // #1, whose key is public: derived from the dev mnemonic here, never written anywhere.
      // The site's origin (SIWE messages and same-origin checks compare against it, never against
      // request headers) and a session key for this run, as production requires them set.
      env: {
        ...process.env,
        RPC_URL: rpcUrl,
        CHAIN_ID: String(deployment.chainId),
        RELAYER_PRIVATE_KEY: toHex(devAccount(DEV_ROLES.relayer).getHdKey().privateKey!),
        NEXT_TELEMETRY_DISABLED: "1",
        // `next dev` asks the npm registry for its latest version: refused (see the file).
        NODE_OPTIONS: [process.env.NODE_OPTIONS, `--import=${pathToFileURL(path.resolve("scripts/tooling/no-outbound-fetch.mjs")).href}`].filter(Boolean).join(" "),
        APP_URL: process.env.APP_URL ?? webUrl,
        SESSION_SECRET: sessionSecret,
      },
    });
    exitWith(web, "the web app");
    // The first request compiles the home page: wait for it so the demo is there at first load.
    await waitFor(`the web app on ${webUrl}`, async () => (await fetch(webUrl)).ok, 300_000, 1_000);
  }

  console.log(
    [
      "",
      "Loyalty platform running locally",
      ...(args["no-web"] ? [] : [`  web app    ${webUrl}`]),
      `  chain      ${rpcUrl}  (chain id ${deployment.chainId})`,
      `  indexer    ${indexerUrl}/health  /ready  /metrics`,
      `  keeper     ${keeperUrl}/health  /metrics  (expires inactive members' points every 30 s)`,
      `  webhooks   the worker delivers merchants' signed webhooks (npm run webhooks -- --status)`,
      `  mail       ${mailInbox}  (inbox of every mail sent: verification, password reset; SMTP 127.0.0.1:${args["mail-port"]})`,
      ...(demoKey && !args["no-web"]
        ? [
            `  purchases  POST ${webUrl}/api/v1/purchases  (described at /api/v1/openapi.json), e.g.`,
            `             . ./.env.local && curl -s ${webUrl}/api/v1/purchases -H "Authorization: Bearer $DEMO_API_KEY" \\`,
            `               -H 'content-type: application/json' -d '{"member":{"address":"${devAccount(DEV_ROLES.firstMember).address}"},"amountCents":2500,"currency":"EUR","orderId":"try-1"}'`,
          ]
        : []),
      ...Object.entries(deployment.contracts).map(([name, c]) => `  ${name.padEnd(16)} ${c.address}`),
      "",
      "Press Ctrl-C to stop.",
    ].join("\n"),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runMain("dev", async () => {
    try {
      await main();
    } catch (error) {
      await stopAll();
      throw error;
    }
  });
}
