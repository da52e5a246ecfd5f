/**
 * The rules the contracts define, written once in TypeScript: token ids, roles, tiers, event
 * kinds, addresses, error names and the default programme. Imports only viem and the generated
 * contracts module, so every process (indexer, audit, web, scripts, tests) may import it.
 */
export * from "./ids.ts";
export * from "./roles.ts";
export * from "./tiers.ts";
export * from "./events.ts";
export * from "./addresses.ts";
export * from "./errors.ts";
export * from "./program.ts";
