/**
 * RPC and other service URLs often carry a secret (a provider's API key in the path or the query,
 * credentials in the authority): logs and messages show only their origin. Used by the web server's
 * logs and errors and by the scripts' messages.
 *
 *   redactUrl("https://mainnet.example/v3/KEY")         → "https://mainnet.example/…"
 *   redactUrls("failed. URL: wss://u:p@rpc.example/x")  → "failed. URL: wss://rpc.example/…"
 */
const URL_IN_TEXT = /\b(?:https?|wss?):\/\/[^\s"'<>()]+/gi;

/** The URL's origin, with "/…" when anything (path, query, credentials) was left out. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "[url]";
  }
  const hidden = (u.pathname !== "/" && u.pathname !== "") || u.search !== "" || u.hash !== "" || u.username !== "" || u.password !== "";
  return `${u.protocol}//${u.host}${hidden ? "/…" : ""}`;
}

/** `text` with every URL in it reduced to its origin. */
export function redactUrls(text: string): string {
  // Punctuation after a URL ("at http://host:1: refused") is the sentence's, not the URL's.
  return text.replace(URL_IN_TEXT, (m) => {
    const [, url, tail] = /^(.*?)([.,:;!?]*)$/.exec(m)!;
    return redactUrl(url!) + tail;
  });
}
