import { defineLocales } from '../i18n/define'
const forms = {
  'zh-CN': { receipt: '投诉登记回执', not_accepted: '不予受理告知书', dispatch_sheet: '投诉转办单', decision: '书面处理意见', survey_blank: '满意度调查表（空白）', survey: '满意度调查表' },
  'zh-TW': { receipt: '投訴登記回執', not_accepted: '不予受理告知書', dispatch_sheet: '投訴轉辦單', decision: '書面處理意見', survey_blank: '滿意度調查表（空白）', survey: '滿意度調查表' },
  en: { receipt: 'Complaint receipt', not_accepted: 'Not-accepted notice', dispatch_sheet: 'Dispatch sheet', decision: 'Written handling decision', survey_blank: 'Satisfaction survey (blank)', survey: 'Satisfaction survey' },
  es: { receipt: 'Justificante de la queja', not_accepted: 'Notificación de no admisión', dispatch_sheet: 'Hoja de asignación', decision: 'Resolución escrita', survey_blank: 'Encuesta de satisfacción (en blanco)', survey: 'Encuesta de satisfacción' },
}
export default defineLocales(
  { docs: { button: '打印/导出', title: '打印与导出文书', document: '文书', language: '语言', paper: '纸张', printer: '打印机', copies: '份数', default: '默认', defaultPrinter: '默认打印机', noPrinter: '本机没有可用的打印机，可用PDF阅读器打开后打印，或另存为PDF', print: '打印', openViewer: '用PDF阅读器打开', saveAs: '另存为PDF…', sent: '已发送到打印机：{printer}', saved: '已保存：{path}', form: forms['zh-CN'] } },
  {
    'zh-TW': { docs: { button: '列印/匯出', title: '列印與匯出文書', document: '文書', language: '語言', paper: '紙張', printer: '印表機', copies: '份數', default: '預設', defaultPrinter: '預設印表機', noPrinter: '本機沒有可用的印表機，可用PDF閱讀器開啟後列印，或另存為PDF', print: '列印', openViewer: '用PDF閱讀器開啟', saveAs: '另存為PDF…', sent: '已傳送到印表機：{printer}', saved: '已儲存：{path}', form: forms['zh-TW'] } },
    en: { docs: { button: 'Print / export', title: 'Print and export documents', document: 'Document', language: 'Language', paper: 'Paper', printer: 'Printer', copies: 'Copies', default: 'default', defaultPrinter: 'the default printer', noPrinter: 'No printer is set up on this PC: open the PDF in a viewer to print it, or save it as PDF', print: 'Print', openViewer: 'Open in PDF viewer', saveAs: 'Save as PDF…', sent: 'Sent to {printer}', saved: 'Saved: {path}', form: forms.en } },
    es: { docs: { button: 'Imprimir / exportar', title: 'Imprimir y exportar documentos', document: 'Documento', language: 'Idioma', paper: 'Papel', printer: 'Impresora', copies: 'Copias', default: 'predeterminada', defaultPrinter: 'la impresora predeterminada', noPrinter: 'No hay impresoras en este equipo: abra el PDF en un visor para imprimirlo o guárdelo como PDF', print: 'Imprimir', openViewer: 'Abrir en el visor de PDF', saveAs: 'Guardar como PDF…', sent: 'Enviado a {printer}', saved: 'Guardado: {path}', form: forms.es } },
  },
)
