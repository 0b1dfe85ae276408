import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Served by the hub at /console: every asset URL is under that base.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    // One bundle of about 540 kB (160 kB gzipped): React, and @parley/client with the protocol's zod schemas it checks answers with.
    // Loaded once and cached for a year (hashed names), so it is not split further.
    chunkSizeWarningLimit: 700,
  },
});
