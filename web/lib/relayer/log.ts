/** The relayer's logs: one JSON object per line with hashes, nonces, targets and selectors; never the key, never signed bytes. */
export type Log = (level: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;

export const jsonLog: Log = (level, msg, fields = {}) => {
  const line = JSON.stringify({ t: new Date().toISOString(), level, component: "relayer", msg, ...fields }, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  if (level === "error") console.error(line);
  else console.log(line);
};
