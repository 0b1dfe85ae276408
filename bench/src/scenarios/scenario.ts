import type { Driver } from '../drivers/driver.js';
import type { BenchParams, Measurement, MemoryReport } from '../types.js';

export interface ScenarioContext {
  driver: Driver;
  url: string;
  /** Every hub of the server, `url` first: one, or two for a cluster. */
  urls: string[];
  proxyUrl?: string;
  params: BenchParams;
  /** Asks the orchestrator for the server process's memory (after a full GC where the server is a Node process). */
  serverMemory(): Promise<MemoryReport>;
  /** CPU time (user + system, µs) the server's processes have used so far: every hub's, for a cluster. */
  serverCpu(): Promise<number>;
  /** Cuts every connection that goes through the proxy; resolves with how many were cut. */
  cutProxy(): Promise<number>;
}

export interface ScenarioOutput {
  measurements: Measurement[];
  notes: string[];
}

export type Scenario = (ctx: ScenarioContext) => Promise<ScenarioOutput>;
