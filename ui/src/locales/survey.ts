// The follow-up (回访) screen.
import { defineLocales, type LocaleShape } from '../i18n/define'

const zhCN = {
  survey: {
    title: '回访', count: '共 {n} 件待回访', searchPlaceholder: '单号、电话、客户姓名、内容…', empty: '没有待回访的投诉',
    choose: '请在左侧选择一件投诉开始回访。', openDetail: '查看投诉详情', followUpDue: '回访时限', decision: '处理意见',
    implemented: '落实情况', previous: '以往回访', attempts: '联系记录', attemptCount: '未联系上 {n} 次',
    col: { number: '投诉单号', due: '回访时限', summary: '投诉内容' },
    outcome: {
      satisfiedTitle: '{number} 回访完成：客户满意',
      satisfied: '客户满意或非常满意，可以结案。',
      dissatisfiedTitle: '{number} 回访完成：客户不满意',
      dissatisfied: '已退回 {department} 重新处理（重派），回访结果已反馈该部门。',
      closedTitle: '{number} 已结案',
    },
  },
}

type Messages = LocaleShape<typeof zhCN>

const zhTW: Messages = {
  survey: {
    title: '回訪', count: '共 {n} 件待回訪', searchPlaceholder: '單號、電話、客戶姓名、內容…', empty: '沒有待回訪的投訴',
    choose: '請在左側選擇一件投訴開始回訪。', openDetail: '檢視投訴詳情', followUpDue: '回訪時限', decision: '處理意見',
    implemented: '落實情況', previous: '以往回訪', attempts: '聯絡記錄', attemptCount: '未聯絡上 {n} 次',
    col: { number: '投訴單號', due: '回訪時限', summary: '投訴內容' },
    outcome: {
      satisfiedTitle: '{number} 回訪完成：客戶滿意',
      satisfied: '客戶滿意或非常滿意，可以結案。',
      dissatisfiedTitle: '{number} 回訪完成：客戶不滿意',
      dissatisfied: '已退回 {department} 重新處理（重派），回訪結果已回饋該部門。',
      closedTitle: '{number} 已結案',
    },
  },
}

const en: Messages = {
  survey: {
    title: 'Follow-up', count: '{n} waiting for follow-up', searchPlaceholder: 'Number, phone, customer, text…', empty: 'Nothing waiting for follow-up',
    choose: 'Choose a complaint on the left to start its follow-up.', openDetail: 'Open the complaint', followUpDue: 'Follow-up due', decision: 'Decision',
    implemented: 'Implemented', previous: 'Earlier surveys', attempts: 'Contact', attemptCount: '{n} failed attempts',
    col: { number: 'Number', due: 'Follow-up due', summary: 'Complaint' },
    outcome: {
      satisfiedTitle: '{number}: the customer is satisfied',
      satisfied: 'Satisfied or very satisfied: the complaint can be closed.',
      dissatisfiedTitle: '{number}: the customer is not satisfied',
      dissatisfied: 'It went back to {department} for new handling; the survey result was passed on to that department.',
      closedTitle: '{number} is closed',
    },
  },
}

const es: Messages = {
  survey: {
    title: 'Seguimiento', count: '{n} pendientes de seguimiento', searchPlaceholder: 'Número, teléfono, cliente, texto…', empty: 'Nada pendiente de seguimiento',
    choose: 'Elija una queja a la izquierda para empezar su seguimiento.', openDetail: 'Abrir la queja', followUpDue: 'Seguimiento antes de', decision: 'Resolución',
    implemented: 'Ejecución', previous: 'Encuestas anteriores', attempts: 'Contacto', attemptCount: '{n} intentos fallidos',
    col: { number: 'Número', due: 'Seguimiento antes de', summary: 'Queja' },
    outcome: {
      satisfiedTitle: '{number}: el cliente está satisfecho',
      satisfied: 'Satisfecho o muy satisfecho: la queja se puede cerrar.',
      dissatisfiedTitle: '{number}: el cliente no está satisfecho',
      dissatisfied: 'Ha vuelto a {department} para tramitarla de nuevo; el resultado de la encuesta se ha comunicado a ese departamento.',
      closedTitle: '{number} está cerrada',
    },
  },
}

export default defineLocales(zhCN, { 'zh-TW': zhTW, en, es })
