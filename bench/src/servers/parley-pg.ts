import { hostParley } from './parley-hub.js';

// The hub on PostgreSQL: a fresh database on PARLEY_TEST_PG (default the local server), dropped after the run.
hostParley('postgres');
