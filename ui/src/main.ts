import { showBootErrors } from './boot-errors'
showBootErrors()
import { createApp } from 'vue'
import { createPinia } from 'pinia'
// Element Plus components and their CSS are imported on demand by each screen (see vite.config.ts);
// its base CSS (the --el-* variables) comes first, so the app's own styles follow it as before.
import 'element-plus/theme-chalk/base.css'
import './styles.css'
import App from './App.vue'
import { i18n } from './i18n'
import { router } from './router'

createApp(App).use(createPinia()).use(i18n).use(router).mount('#app')
