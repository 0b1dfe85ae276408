import type { Driver } from '../drivers/driver.js';
import type { BenchParams, Measurement, MemoryReport } from '../types.js';

export interface ScenarioContext {
  driver: Driver;
  url: string;
  proxyUrl?: string;
  params: BenchParams;
  /** Asks the orchestrator for the server process's memory (after a full GC where the server is a Node process). */
  serverMemory(): Promise<MemoryReport>;
  /** Cuts every connection that goes through the proxy; resolves with how many were cut. */
  cutProxy(): Promise<number>;
}

export interface ScenarioOutput {
  measurements: Measurement[];
  notes: string[];
}

export type Scenario = (ctx: ScenarioContext) => Promise<ScenarioOutput>;
