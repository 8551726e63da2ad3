// The workspace's build: Preact, bundled into web/dist. Its files go under /static/ (the API owns /assets/…).
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [preact()],
  base: '/',
  build: { outDir: 'dist', assetsDir: 'static', emptyOutDir: true, sourcemap: true, target: 'es2022' },
});
