// Builds the renderer: renderer/index.html → dist/renderer, with relative asset paths so the same
// files load from Electron's custom protocol and from browser mode's server. No inline scripts:
// both hosts send `script-src 'self'`.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    minify: true,
    target: 'es2022',
    sourcemap: false,
    // Chromium supports modulepreload natively; the polyfill would only add code.
    modulePreload: { polyfill: false },
  },
});
