import { hostParley } from './parley-hub.js';

// The hub on embedded SQLite, the default store.
hostParley('sqlite');
