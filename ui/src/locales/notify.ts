import { defineLocales } from '../i18n/define'
export default defineLocales(
  { notify: { due_soon: '即将超时', overdue: '已超时', summaryTitle: '待办提醒', summary: '您有 {n} 个环节即将超时或已超时（其中 {overdue} 个已超时）' } },
  {
    'zh-TW': { notify: { due_soon: '即將逾時', overdue: '已逾時', summaryTitle: '待辦提醒', summary: '您有 {n} 個環節即將逾時或已逾時（其中 {overdue} 個已逾時）' } },
    en: { notify: { due_soon: 'Due soon', overdue: 'Overdue', summaryTitle: 'Reminders', summary: '{n} of your steps are due soon or overdue ({overdue} overdue)' } },
    es: { notify: { due_soon: 'Vence pronto', overdue: 'Vencido', summaryTitle: 'Recordatorios', summary: '{n} de sus pasos vencen pronto o están vencidos ({overdue} vencidos)' } },
  },
)
