import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The window loads the built files from the app bundle: relative paths, no CDN, no network.
export default defineConfig({
  plugins: [vue()],
  base: './',
  clearScreen: false,
  server: { port: 5173, strictPort: true, host: '127.0.0.1' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2021', chunkSizeWarningLimit: 2500 },
  test: {
    environment: 'happy-dom',
    include: ['tests/**/*.test.ts'],
    // Mounting Element Plus in happy-dom takes seconds on a busy 2-core CI machine.
    testTimeout: 30000,
  },
} as any)
