/**
 * The settings that say where the site is and whom it trusts, read from the environment in one
 * place, free of Next and of "server-only" so that the production server (web/server.ts) and
 * next.config.ts check them before the first request:
 *
 *   APP_URL         the site's public origin as browsers see it (e.g. https://loyalty.example).
 *                   Sign-In with Ethereum messages, the move-to-wallet proof and the same-origin
 *                   check of every state-changing route compare against it, never against the
 *                   request's Host or X-Forwarded-Host (a phishing site could send any). Required
 *                   in production; in development http://localhost:$PORT (3000).
 *   SESSION_SECRET  the HMAC key of session cookies, at least 32 characters. Required in
 *                   production (a per-process random key would sign members out at each restart
 *                   and differ between servers); in development a random one per process.
 *   TRUST_PROXY     how many reverse proxies in front of the server append to X-Forwarded-For
 *                   (default 0: none, and the production server replaces whatever a client sent
 *                   with the socket's address). Per-IP limits count the address that many hops
 *                   from the right. Forwarded hosts are never trusted, whatever this says.
 */

export class ConfigError extends Error {
  override name = "ConfigError";
}

type Env = Record<string, string | undefined>;

const production = (env: Env) => env.NODE_ENV === "production";

/** APP_URL checked: an http(s) origin (no path, query, fragment or credentials). */
export function parseAppUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError("APP_URL must be an absolute URL such as https://loyalty.example");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new ConfigError("APP_URL must be an http or https URL");
  if (url.username || url.password || url.search || url.hash || (url.pathname !== "/" && url.pathname !== "")) {
    throw new ConfigError("APP_URL must be an origin only (scheme, host and port), without path, query or credentials");
  }
  return url.origin;
}

/** The site's origin (scheme://host[:port]) from APP_URL. */
export function appOrigin(env: Env = process.env): string {
  if (env.APP_URL) return parseAppUrl(env.APP_URL);
  if (production(env)) throw new ConfigError("APP_URL is required in production: the site's public origin, e.g. https://loyalty.example");
  return `http://localhost:${env.PORT ?? "3000"}`;
}

/** SESSION_SECRET as bytes; null in development when unset (the caller then uses a per-process key). */
export function configuredSessionSecret(env: Env = process.env): Buffer | null {
  const value = env.SESSION_SECRET;
  if (value) {
    if (value.length < 32) throw new ConfigError("SESSION_SECRET must be at least 32 characters");
    return Buffer.from(value);
  }
  if (production(env)) throw new ConfigError("SESSION_SECRET is required in production (at least 32 random characters, the same on every server)");
  return null;
}

/** TRUST_PROXY: the number of proxies whose X-Forwarded-For entries are trusted (0 when unset). */
export function trustedProxyHops(env: Env = process.env): number {
  const raw = env.TRUST_PROXY?.trim();
  if (!raw || raw === "0" || raw === "false") return 0;
  if (raw === "true") return 1;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0 || n > 10) throw new ConfigError("TRUST_PROXY must be the number of proxies in front of the server (0 to 10)");
  return n;
}

/** What stops this environment from serving in production: each problem once (values never quoted). */
export function productionConfigProblems(env: Env = process.env): string[] {
  const problems: string[] = [];
  for (const check of [() => appOrigin(env), () => configuredSessionSecret(env), () => trustedProxyHops(env)]) {
    try {
      check();
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  return problems;
}

/** Throws one ConfigError naming every problem, for start-up (web/server.ts, next.config.ts). */
export function assertProductionConfig(env: Env = process.env): void {
  const problems = productionConfigProblems({ ...env, NODE_ENV: "production" });
  if (problems.length) throw new ConfigError(`the web app cannot start: ${problems.join("; ")}`);
}
