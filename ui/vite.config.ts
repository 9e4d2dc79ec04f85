import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import ElementPlus from 'unplugin-element-plus/vite'

// The window loads the built files from the app bundle: relative paths, no CDN, no network.
//
// Element Plus is imported on demand (issue 8, cold start): every `<el-*>` tag and `v-loading` in a
// template becomes an import of that one component and its CSS (unplugin-vue-components), and every
// `import { ElMessage } from 'element-plus'` in a script gets that service's CSS added
// (unplugin-element-plus). So the entry chunk carries only what App.vue and the sign-in screen use,
// and each lazily loaded screen brings its own components; the window no longer parses all of
// Element Plus (≈ 900 KB of JS, 365 KB of CSS) before the first screen.
// Under vitest Element Plus is loaded by Node as an external package, which cannot import CSS;
// the tests mount with Element Plus installed (tests/helpers.ts) and check no styles.
const styles = !process.env.VITEST

export default defineConfig({
  plugins: [
    vue(),
    Components({
      // Only Element Plus is resolved; the app's own components stay explicitly imported.
      dirs: [],
      dts: false,
      resolvers: [ElementPlusResolver({ importStyle: styles ? 'css' : false, directives: true })],
    }),
    ...(styles ? [ElementPlus({})] : []),
  ],
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
