import { describe, expect, it } from 'vitest'
import LocalePicker from '../src/components/LocalePicker.vue'
import { currentLocale } from '../src/i18n'
import { flush, mountApp } from './helpers'

describe('<LocalePicker>', () => {
  it('offers the four languages, shows the current one, and switches and remembers the choice', async () => {
    const w = mountApp(LocalePicker, { locale: 'zh-CN' })
    const select = w.get('select')
    expect(w.findAll('option').map((o) => o.text())).toEqual(['简体中文', '繁體中文', 'English', 'Español'])
    expect((select.element as HTMLSelectElement).value).toBe('zh-CN')
    expect(select.attributes('aria-label')).toBe('语言')

    await select.setValue('es')
    await flush()
    expect(currentLocale()).toBe('es')
    expect(localStorage.getItem('complaint-desk.locale')).toBe('es')
    expect(document.documentElement.lang).toBe('es')
    expect(w.get('select').attributes('aria-label')).toBe('Idioma')
    w.unmount()
  })

  it('ignores a value that is not one of its languages', async () => {
    const w = mountApp(LocalePicker, { locale: 'en' })
    const select = w.get('select').element as HTMLSelectElement
    const extra = document.createElement('option')
    extra.value = 'xx'
    select.appendChild(extra)
    select.value = 'xx'
    select.dispatchEvent(new Event('change'))
    await flush()
    expect(currentLocale()).toBe('en')
    w.unmount()
  })
})
