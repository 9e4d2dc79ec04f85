// Mounting a component the way the app does: i18n, Pinia, the router and Element Plus.
import { mount } from '@vue/test-utils'
import { createPinia, type Pinia } from 'pinia'
import ElementPlus from 'element-plus'
import { createRouter, createMemoryHistory } from 'vue-router'
import { i18n, setLocale } from '../src/i18n'

/** `pinia`: a store set up before mounting (e.g. someone signed in), else a fresh one. */
export function mountApp(component: any, opts: { props?: Record<string, unknown>; locale?: 'zh-CN' | 'en' | 'zh-TW' | 'es'; pinia?: Pinia } = {}) {
  setLocale(opts.locale ?? 'zh-CN')
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div/>' } }] })
  return mount(component, {
    props: opts.props,
    global: { plugins: [i18n, opts.pinia ?? createPinia(), router, ElementPlus] },
    attachTo: document.body,
  })
}

export const flush = () => new Promise((r) => setTimeout(r, 0))
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
