import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, createWalletClient, http, type PublicClient } from "viem";
import { hardhat } from "viem/chains";
import { loyaltyPointsAbi } from "../../contracts/generated/contracts.ts";
import { startHardhatNode, type HardhatNode } from "../../test/support/hardhat-node.ts";
import { deployProgram } from "./deploy-program.ts";
import { devAccount, DEV_ROLES } from "./dev-accounts.ts";
import { DEFAULT_ADMIN_ROLE, DEFAULT_PROGRAM, MIGRATOR_ROLE, PAUSER_ROLE, REDEEMER_ROLE } from "../../contracts/spec/index.ts";

let node: HardhatNode;
let publicClient: PublicClient;
const wallet = (index: number) => createWalletClient({ chain: hardhat, transport: http(node.url), account: devAccount(index) });

beforeAll(async () => {
  node = await startHardhatNode();
  publicClient = createPublicClient({ chain: hardhat, transport: http(node.url), cacheTime: 0 }) as PublicClient;
});
afterAll(() => node?.stop());

const read = <T>(address: `0x${string}`, functionName: string, args: unknown[] = []) =>
  publicClient.readContract({ address, abi: loyaltyPointsAbi, functionName: functionName as never, args: args as never }) as Promise<T>;

describe("deployProgram", () => {
  it("deploys, wires the catalog's burn role and applies the program's parameters", async () => {
    const { deployment, reused } = await deployProgram({ publicClient, walletClient: wallet(0) });
    expect(reused).toBe(false);
    const points = deployment.contracts.LoyaltyPoints.address;
    expect(deployment.chainId).toBe(31337);
    expect(deployment.startBlock).toBe(deployment.contracts.LoyaltyForwarder.blockNumber);
    expect(deployment.genesisHash).toBe((await publicClient.getBlock({ blockNumber: 0n })).hash);
    const redeemer = REDEEMER_ROLE;
    expect(await read<boolean>(points, "hasRole", [redeemer, deployment.contracts.RewardNFT.address])).toBe(true);
    expect(await read<bigint[]>(points, "tierThresholds")).toEqual(DEFAULT_PROGRAM.tierThresholds);
    expect(await read<bigint>(points, "inactivityPeriod")).toBe(DEFAULT_PROGRAM.inactivityPeriod);
    expect(await read<`0x${string}`>(points, "trustedForwarder")).toBe(deployment.contracts.LoyaltyForwarder.address);
  });

  it("on the local chain, grants MIGRATOR_ROLE to the dev relayer (Hardhat account #1) and records it", async () => {
    const relayer = devAccount(DEV_ROLES.relayer).address;
    const { deployment } = await deployProgram({ publicClient, walletClient: wallet(0) });
    const points = deployment.contracts.LoyaltyPoints.address;
    const migrator = MIGRATOR_ROLE;
    expect(deployment.relayer).toBe(relayer);
    expect(await read<boolean>(points, "hasRole", [migrator, relayer])).toBe(true);
    expect(await read<boolean>(points, "hasRole", [migrator, devAccount(0).address])).toBe(false);
  });

  it("grants MIGRATOR_ROLE to a configured relayer, or to nobody with relayer: null", async () => {
    const configured = devAccount(9).address;
    const withRelayer = await deployProgram({ publicClient, walletClient: wallet(0), relayer: configured });
    const points = withRelayer.deployment.contracts.LoyaltyPoints.address;
    const migrator = MIGRATOR_ROLE;
    expect(withRelayer.deployment.relayer).toBe(configured);
    expect(await read<boolean>(points, "hasRole", [migrator, configured])).toBe(true);
    expect(await read<boolean>(points, "hasRole", [migrator, devAccount(DEV_ROLES.relayer).address])).toBe(false);

    const none = await deployProgram({ publicClient, walletClient: wallet(0), relayer: null });
    expect(none.deployment.relayer).toBeUndefined();
    const bare = none.deployment.contracts.LoyaltyPoints.address;
    expect(await read<boolean>(bare, "hasRole", [migrator, devAccount(DEV_ROLES.relayer).address])).toBe(false);

    // A record written before the relayer existed gains it, and the relayer its role, on the next run.
    const upgraded = await deployProgram({ publicClient, walletClient: wallet(0), existing: none.deployment });
    expect(upgraded.reused).toBe(true);
    expect(upgraded.deployment.relayer).toBe(devAccount(DEV_ROLES.relayer).address);
    expect(await read<boolean>(bare, "hasRole", [migrator, devAccount(DEV_ROLES.relayer).address])).toBe(true);
  });

  it("is idempotent: a second run on the same chain reuses the live contracts and sends nothing", async () => {
    const first = await deployProgram({ publicClient, walletClient: wallet(0) });
    const blockBefore = await publicClient.getBlockNumber();
    const second = await deployProgram({ publicClient, walletClient: wallet(0), existing: first.deployment });
    expect(second.reused).toBe(true);
    expect(second.deployment.contracts).toEqual(first.deployment.contracts);
    expect(await publicClient.getBlockNumber()).toBe(blockBefore);
  });

  it("redeploys when the recorded contracts are not on this chain (a restarted local node)", async () => {
    const { deployment } = await deployProgram({ publicClient, walletClient: wallet(0) });
    const stale = { ...deployment, contracts: { ...deployment.contracts, RewardNFT: { ...deployment.contracts.RewardNFT, address: "0x000000000000000000000000000000000000dEaD" as const } } };
    const again = await deployProgram({ publicClient, walletClient: wallet(0), existing: stale });
    expect(again.reused).toBe(false);
    expect(again.deployment.contracts.RewardNFT.address).not.toBe(stale.contracts.RewardNFT.address);
  });

  it("hands the program to a separate operator and leaves the deployer without any role", async () => {
    const operator = devAccount(1).address;
    const deployer = devAccount(0).address;
    const { deployment } = await deployProgram({ publicClient, walletClient: wallet(0), operator });
    const points = deployment.contracts.LoyaltyPoints.address;
    const admin = DEFAULT_ADMIN_ROLE;
    const pauser = PAUSER_ROLE;
    expect(deployment.operator).toBe(operator);
    expect(await read<boolean>(points, "hasRole", [admin, operator])).toBe(true);
    expect(await read<boolean>(points, "hasRole", [pauser, operator])).toBe(true);
    expect(await read<boolean>(points, "hasRole", [admin, deployer])).toBe(false);
    expect(await read<boolean>(points, "hasRole", [pauser, deployer])).toBe(false);
  });
});
