// Escalation view (升级报备, R3.3, R3.8). Level names come from escalationLevel.* in common.ts.
import { defineLocales, type LocaleShape } from '../i18n/define'
const zhCN = {
  escalations: {
    title: '升级报备',
    intro: '未结案的重大投诉及预警等级2–3级的投诉，逐级报备：总经理 → 办公室主任 → 客服经理 → 客服部（备案）',
    filter: {
      number: '投诉编号', allLevels: '全部预警等级', level: '{n}级预警', majorOnly: '仅重大投诉',
      unreported: '重大投诉未上报', pendingMine: '待我确认',
    },
    count: '显示 {n} / 共 {total} 件',
    capped: '仅显示前1000件（按预警等级和受理时间排序）',
    empty: '暂无需要报备的投诉',
    col: {
      number: '投诉编号', warningNature: '预警 / 性质', stage: '阶段', received: '受理时间', reported: '30分钟上报',
      chain: '报备确认',
    },
    levelTag: '{n}级',
    reported: '已上报', notReported: '未上报',
    ack: '确认', pending: '待确认',
    ackTitle: '确认已知悉', ackLevel: '报备层级', ackConfirm: '确认已知悉', notePlaceholder: '备注（选填）',
    acked: '已确认（{level}）',
  },
}

type Messages = LocaleShape<typeof zhCN>

const zhTW: Messages = {
  escalations: {
    title: '升級報備',
    intro: '未結案的重大投訴及預警等級2–3級的投訴，逐級報備：總經理 → 辦公室主任 → 客服經理 → 客服部（備案）',
    filter: {
      number: '投訴編號', allLevels: '全部預警等級', level: '{n}級預警', majorOnly: '僅重大投訴',
      unreported: '重大投訴未上報', pendingMine: '待我確認',
    },
    count: '顯示 {n} / 共 {total} 件',
    capped: '僅顯示前1000件（按預警等級和受理時間排序）',
    empty: '暫無需要報備的投訴',
    col: {
      number: '投訴編號', warningNature: '預警 / 性質', stage: '階段', received: '受理時間', reported: '30分鐘上報',
      chain: '報備確認',
    },
    levelTag: '{n}級',
    reported: '已上報', notReported: '未上報',
    ack: '確認', pending: '待確認',
    ackTitle: '確認已知悉', ackLevel: '報備層級', ackConfirm: '確認已知悉', notePlaceholder: '備註（選填）',
    acked: '已確認（{level}）',
  },
}

const en: Messages = {
  escalations: {
    title: 'Escalations',
    intro: 'Open major complaints and warning levels 2–3, reported up the chain: general manager → office director → CS manager → CS department (record)',
    filter: {
      number: 'Complaint number', allLevels: 'All warning levels', level: 'Warning level {n}', majorOnly: 'Major only',
      unreported: 'Major, not yet reported', pendingMine: 'Awaiting my acknowledgement',
    },
    count: 'Showing {n} of {total}',
    capped: 'Only the first 1,000 are shown (by warning level, then received time)',
    empty: 'No complaint needs escalating',
    col: {
      number: 'Complaint', warningNature: 'Warning / nature', stage: 'Stage', received: 'Received', reported: '30-min report',
      chain: 'Acknowledged by',
    },
    levelTag: 'Level {n}',
    reported: 'Reported', notReported: 'Not reported',
    ack: 'Acknowledge', pending: 'Pending',
    ackTitle: 'Acknowledge escalation', ackLevel: 'Level', ackConfirm: 'Acknowledge', notePlaceholder: 'Note (optional)',
    acked: 'Acknowledged ({level})',
  },
}

const es: Messages = {
  escalations: {
    title: 'Escalado',
    intro: 'Quejas graves abiertas y niveles de alerta 2–3, comunicadas por la cadena: director general → director de oficina → jefe de atención → departamento de atención (registro)',
    filter: {
      number: 'Número de queja', allLevels: 'Todos los niveles', level: 'Alerta nivel {n}', majorOnly: 'Solo graves',
      unreported: 'Graves sin comunicar', pendingMine: 'Pendientes de mi confirmación',
    },
    count: 'Mostrando {n} de {total}',
    capped: 'Solo se muestran las 1000 primeras (por nivel de alerta y fecha de recepción)',
    empty: 'Ninguna queja requiere escalado',
    col: {
      number: 'Queja', warningNature: 'Alerta / tipo', stage: 'Etapa', received: 'Recibida', reported: 'Aviso 30 min',
      chain: 'Confirmado por',
    },
    levelTag: 'Nivel {n}',
    reported: 'Comunicada', notReported: 'Sin comunicar',
    ack: 'Confirmar', pending: 'Pendiente',
    ackTitle: 'Confirmar escalado', ackLevel: 'Nivel', ackConfirm: 'Confirmar', notePlaceholder: 'Nota (opcional)',
    acked: 'Confirmado ({level})',
  },
}

export default defineLocales(zhCN, { 'zh-TW': zhTW, en, es })
