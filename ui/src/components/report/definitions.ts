// The KPIs' names and exact definitions (R7.4) come from the core, in the window's language
// (`kpi_definitions`), so the text beside a figure is the one the report prints. Asked once per
// language and kept for the session.
import { computed, ref, watch } from 'vue'
import { useI18n } from 'vue-i18n'
import { call } from '../../api/ipc'
import type { KpiDefinition, KpiKey, Lang } from '../../api/types.gen'

const cache = ref<Partial<Record<Lang, KpiDefinition[]>>>({})
const pending = new Map<Lang, Promise<void>>()

function load(lang: Lang): Promise<void> {
  if (cache.value[lang]) return Promise.resolve()
  let p = pending.get(lang)
  if (!p) {
    p = call('kpi_definitions', { lang })
      .then((defs) => {
        cache.value = { ...cache.value, [lang]: defs }
      })
      .catch(() => {
        /* the tiles show the KPI without its text; the screen reports its own errors */
      })
      .finally(() => pending.delete(lang))
    pending.set(lang, p)
  }
  return p
}

/** For tests: forget what was asked. */
export function clearDefinitions() {
  cache.value = {}
  pending.clear()
}

export function useKpiDefinitions() {
  const { locale } = useI18n()
  watch(locale, (l) => load(l as Lang), { immediate: true })
  const list = computed<KpiDefinition[]>(() => cache.value[locale.value as Lang] ?? cache.value['zh-CN'] ?? [])
  const byKpi = computed(() => {
    const m = new Map<KpiKey, KpiDefinition>()
    for (const d of list.value) m.set(d.kpi, d)
    return m
  })
  const name = (k: KpiKey) => byKpi.value.get(k)?.name ?? k
  const definition = (k: KpiKey) => byKpi.value.get(k)?.definition ?? ''
  return { list, byKpi, name, definition }
}
