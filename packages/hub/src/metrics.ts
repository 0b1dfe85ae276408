import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics. One Registry per hub so several hubs in one process (tests) do not collide. */
export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({ name: 'parley_connections', help: 'Open authenticated WebSocket sessions', registers: [this.registry] });
  readonly requests = new Counter({
    name: 'parley_requests_total',
    help: 'Action calls by action and result status',
    labelNames: ['action', 'status'] as const,
    registers: [this.registry],
  });
  readonly fanout = new Counter({ name: 'parley_push_fanout_total', help: 'Pushes delivered to sessions', registers: [this.registry] });
  readonly stored = new Counter({ name: 'parley_pushes_stored_total', help: 'Pushes persisted', registers: [this.registry] });
  readonly duration = new Histogram({
    name: 'parley_request_duration_seconds',
    help: 'Action handling time',
    labelNames: ['action'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  // jobs / commits is the group commit's average batch size.
  readonly commits = new Counter({ name: 'parley_write_commits_total', help: 'Write transactions committed', registers: [this.registry] });
  readonly writeJobs = new Counter({ name: 'parley_write_jobs_total', help: 'Writes committed (several share a commit)', registers: [this.registry] });
  readonly writeRetries = new Counter({
    name: 'parley_write_retries_total',
    help: 'Write transactions run again after losing to a concurrent one (PostgreSQL serialization failures and deadlocks)',
    registers: [this.registry],
  });
  readonly httpInFlight = new Gauge({ name: 'parley_http_requests_in_flight', help: 'HTTP requests being handled', registers: [this.registry] });
  readonly longPolls = new Gauge({ name: 'parley_long_polls_waiting', help: 'HTTP long polls currently waiting', registers: [this.registry] });

  // Several hubs (cluster/): what to watch besides the above.
  readonly busFilled = new Counter({
    name: 'parley_bus_gap_fills_total',
    help: 'Pushes read from the database because the bus lost or delayed them past busGapMs (a steady rise: Redis drops or a slow subscriber)',
    registers: [this.registry],
  });
  readonly busErrors = new Counter({ name: 'parley_bus_errors_total', help: 'Bus publishes and gap fills that failed', registers: [this.registry] });

  /** Gauges read from the cluster when scraped. */
  watchCluster(read: { leaseHeld: () => boolean; onlineAgents: () => number; trackedStreams: () => number }): void {
    new Gauge({
      name: 'parley_cluster_timer_lease',
      help: '1 on the hub holding the timer lease (exactly one hub of a healthy cluster)',
      registers: [this.registry],
      collect() {
        this.set(read.leaseHeld() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'parley_cluster_online_agents',
      help: 'Agents online on any hub, as this hub sees them',
      registers: [this.registry],
      collect() {
        this.set(read.onlineAgents());
      },
    });
    new Gauge({
      name: 'parley_bus_tracked_streams',
      help: 'Streams whose last delivered seq this hub tracks for gap detection',
      registers: [this.registry],
      collect() {
        this.set(read.trackedStreams());
      },
    });
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_process_' });
  }
}
