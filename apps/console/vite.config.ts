import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Served by the hub at /console: every asset URL is under that base.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
});
