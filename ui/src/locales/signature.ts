import { defineLocales } from '../i18n/define'
export default defineLocales(
  { signature: { signHere: '请客户在此签名', undo: '撤销一笔', clear: '清除', points: '{n} 个点' } },
  {
    'zh-TW': { signature: { signHere: '請客戶在此簽名', undo: '復原一筆', clear: '清除', points: '{n} 個點' } },
    en: { signature: { signHere: 'Customer signs here', undo: 'Undo stroke', clear: 'Clear', points: '{n} points' } },
    es: { signature: { signHere: 'Firma del cliente aquí', undo: 'Deshacer trazo', clear: 'Borrar', points: '{n} puntos' } },
  },
)
