/**
 * Deploys the program (forwarder, points, reward catalog), wires its roles and returns the
 * deployment record. Idempotent: given the chain's existing record, it checks that the code is
 * still there (same genesis, same bytecode) and only completes missing wiring.
 */
import {
  getAddress,
  type Abi,
  type Account,
  type Address,
  type Chain,
  type Hash,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { CONTRACT_NAMES, type ContractName, type DeployedContract, type Deployment } from "../../contracts/deployments.ts";
import { readArtifact } from "./artifacts.ts";
import { devAccount, DEV_ROLES, LOCAL_CHAIN_ID } from "./dev-accounts.ts";
import { DEFAULT_ADMIN_ROLE, DEFAULT_PROGRAM, MIGRATOR_ROLE, PAUSER_ROLE, REDEEMER_ROLE, type ProgramConfig } from "../../contracts/spec/index.ts";

export interface DeployOptions {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  /** The program owner; defaults to the deployer. Other than the deployer, roles are handed over. */
  operator?: Address;
  /**
   * The platform's relayer, granted MIGRATOR_ROLE (it moves custodial members to self-custody) and
   * recorded in the deployment for the seed and the web app. Defaults to the dev relayer (Hardhat
   * account #1) on the local chain and to none elsewhere; `null` grants nobody.
   */
  relayer?: Address | null;
  config?: ProgramConfig;
  /** The chain's current record, if any: reused when its contracts are still deployed. */
  existing?: Deployment;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  root?: string;
}

export async function deployProgram(options: DeployOptions): Promise<{ deployment: Deployment; reused: boolean }> {
  const { publicClient, walletClient, existing, root } = options;
  const log = options.log ?? (() => {});
  const config = options.config ?? DEFAULT_PROGRAM;
  const deployer = walletClient.account.address;
  const operator = getAddress(options.operator ?? deployer);
  const chainId = await publicClient.getChainId();
  const genesis = await publicClient.getBlock({ blockNumber: 0n });
  const relayerOption = options.relayer === undefined && chainId === LOCAL_CHAIN_ID ? devAccount(DEV_ROLES.relayer).address : options.relayer;
  const relayer = relayerOption ? getAddress(relayerOption) : undefined;

  const send = async (label: string, request: Promise<Hash>) => {
    const hash = await request;
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${label} reverted (${hash})`);
    log(label, { transactionHash: hash, gasUsed: receipt.gasUsed.toString() });
    return receipt;
  };

  if (existing && (await isStillDeployed(publicClient, existing, genesis.hash))) {
    log("deployment found on chain, reusing it", { chainId });
    // A record from before the relayer existed gains it (and the relayer its role) on the next run.
    const deployment: Deployment = relayer ? { ...existing, relayer } : existing;
    await wire(deployment, { publicClient, walletClient, send, config: null, operator, deployer });
    return { deployment, reused: true };
  }

  const deployOne = async (name: ContractName, args: unknown[]): Promise<DeployedContract> => {
    const { abi, bytecode } = readArtifact(name, root);
    const hash = await walletClient.deployContract({ abi, bytecode, args, account: walletClient.account, chain: walletClient.chain });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success" || !receipt.contractAddress) throw new Error(`deploying ${name} failed (${hash})`);
    log(`deployed ${name}`, { address: receipt.contractAddress, gasUsed: receipt.gasUsed.toString() });
    return { address: getAddress(receipt.contractAddress), blockNumber: Number(receipt.blockNumber), transactionHash: hash };
  };

  const forwarder = await deployOne("LoyaltyForwarder", []);
  const points = await deployOne("LoyaltyPoints", [config.tokenName, config.tokenSymbol, deployer, forwarder.address]);
  const rewards = await deployOne("RewardNFT", [points.address, forwarder.address]);
  const deployment: Deployment = {
    chainId,
    genesisHash: genesis.hash,
    operator,
    ...(relayer ? { relayer } : {}),
    startBlock: Math.min(forwarder.blockNumber, points.blockNumber, rewards.blockNumber),
    deployedAt: new Date().toISOString(),
    contracts: { LoyaltyForwarder: forwarder, LoyaltyPoints: points, RewardNFT: rewards },
  };
  await wire(deployment, { publicClient, walletClient, send, config, operator, deployer });
  return { deployment, reused: false };
}

/** Same genesis and code at every address: a restarted local node fails this and is redeployed. */
async function isStillDeployed(client: PublicClient, d: Deployment, genesisHash: Hash) {
  if (d.genesisHash !== genesisHash) return false;
  for (const name of CONTRACT_NAMES) {
    const code = await client.getCode({ address: d.contracts[name].address });
    if (!code || code === "0x") return false;
  }
  return true;
}

interface WireContext {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  send: (label: string, request: Promise<Hash>) => Promise<unknown>;
  /** Program parameters to apply (a fresh deployment), or null to leave them as they are. */
  config: ProgramConfig | null;
  operator: Address;
  deployer: Address;
}

/**
 * Grants the catalog its burn role and the relayer MIGRATOR_ROLE, applies the parameters, hands
 * roles to the operator.
 */
async function wire(d: Deployment, ctx: WireContext) {
  const { publicClient, walletClient, send, config, operator, deployer } = ctx;
  const { abi } = readArtifact("LoyaltyPoints");
  const address = d.contracts.LoyaltyPoints.address;
  const read = (functionName: string, args: unknown[] = []) =>
    publicClient.readContract({ address, abi, functionName, args }) as Promise<unknown>;
  const write = (label: string, functionName: string, args: unknown[]) =>
    send(label, walletClient.writeContract({ address, abi: abi as Abi, functionName, args, account: walletClient.account, chain: walletClient.chain }));

  const deployerIsAdmin = (await read("hasRole", [DEFAULT_ADMIN_ROLE, deployer])) as boolean;
  if (!deployerIsAdmin) return; // Already handed over: only the operator can change anything now.

  if (!((await read("hasRole", [REDEEMER_ROLE, d.contracts.RewardNFT.address])) as boolean)) {
    await write("granted REDEEMER_ROLE to RewardNFT", "grantRole", [REDEEMER_ROLE, d.contracts.RewardNFT.address]);
  }
  if (d.relayer && !((await read("hasRole", [MIGRATOR_ROLE, d.relayer])) as boolean)) {
    await write("granted MIGRATOR_ROLE to the relayer", "grantRole", [MIGRATOR_ROLE, d.relayer]);
  }
  if (config) {
    await write("set tier thresholds", "setTierThresholds", [config.tierThresholds]);
    await write("set inactivity period", "setInactivityPeriod", [config.inactivityPeriod]);
  }
  if (operator !== deployer) {
    await write("granted DEFAULT_ADMIN_ROLE to operator", "grantRole", [DEFAULT_ADMIN_ROLE, operator]);
    await write("granted PAUSER_ROLE to operator", "grantRole", [PAUSER_ROLE, operator]);
    await write("deployer renounced PAUSER_ROLE", "renounceRole", [PAUSER_ROLE, deployer]);
    await write("deployer renounced DEFAULT_ADMIN_ROLE", "renounceRole", [DEFAULT_ADMIN_ROLE, deployer]);
  }
}
