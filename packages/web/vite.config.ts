import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dashboard is served by Tally's server from packages/web/dist: index.html at / (and the page paths), hashed
// assets under /assets/ with immutable caching. `npm run dev -w @tally/web` proxies the API to a local server.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Charts are the heavy part: they live in their own chunk, loaded by the pages that draw them.
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: Object.fromEntries(
      ['/api', '/health', '/docs'].map((p) => [p, process.env.TALLY_URL ?? 'http://127.0.0.1:8000']),
    ),
  },
});
