// Dragging a card to another column, with pointer events rather than HTML5 drag and drop: the
// window lets the OS drop files onto it (tauri `dragDropEnabled`, used for attachments), which
// swallows HTML5 drag events in the webview on some platforms. A press becomes a drag only after
// the pointer moved a few pixels, so a plain click still opens the complaint; Esc cancels.
import { onBeforeUnmount, reactive, ref } from 'vue'
import type { ComplaintCard } from '../../api/types.gen'
import type { ColumnKey, Dragging } from './moves'

const THRESHOLD = 6
const EDGE = 48

export function useCardDrag(opts: { onDrop: (card: ComplaintCard, from: ColumnKey, to: ColumnKey) => void; board: () => HTMLElement | null }) {
  const dragging = ref<Dragging | null>(null)
  const over = ref<ColumnKey | null>(null)
  const ghost = reactive({ x: 0, y: 0 })
  let start: { x: number; y: number; card: ComplaintCard; from: ColumnKey } | null = null
  let suppress = false
  let scrollDir = 0
  let scrollTimer: ReturnType<typeof setInterval> | null = null

  function columnAt(x: number, y: number): ColumnKey | null {
    const el = document.elementFromPoint(x, y)?.closest('[data-column]')
    return (el?.getAttribute('data-column') as ColumnKey | null) ?? null
  }

  function autoscroll(x: number) {
    const b = opts.board()
    if (!b) return
    const r = b.getBoundingClientRect()
    scrollDir = x < r.left + EDGE ? -1 : x > r.right - EDGE ? 1 : 0
    if (scrollDir && !scrollTimer) {
      scrollTimer = setInterval(() => {
        const el = opts.board()
        if (el && scrollDir) el.scrollLeft += scrollDir * 24
      }, 30)
    } else if (!scrollDir && scrollTimer) {
      clearInterval(scrollTimer)
      scrollTimer = null
    }
  }

  function onMove(e: PointerEvent) {
    if (!start) return
    if (!dragging.value) {
      if (Math.hypot(e.clientX - start.x, e.clientY - start.y) < THRESHOLD) return
      dragging.value = { card: start.card, from: start.from }
      document.body.classList.add('board-dragging')
    }
    e.preventDefault()
    ghost.x = e.clientX
    ghost.y = e.clientY
    over.value = columnAt(e.clientX, e.clientY)
    autoscroll(e.clientX)
  }

  function onUp(e: PointerEvent) {
    const d = dragging.value
    const to = d ? columnAt(e.clientX, e.clientY) : null
    stop()
    if (!d) return
    // The click that follows this release must not open the card.
    suppress = true
    setTimeout(() => (suppress = false), 0)
    if (to && to !== d.from) opts.onDrop(d.card, d.from, to)
  }

  function onKey(e: KeyboardEvent) {
    if (e.key === 'Escape') stop()
  }

  function stop() {
    start = null
    dragging.value = null
    over.value = null
    scrollDir = 0
    if (scrollTimer) clearInterval(scrollTimer)
    scrollTimer = null
    document.body.classList.remove('board-dragging')
    window.removeEventListener('pointermove', onMove)
    window.removeEventListener('pointerup', onUp)
    window.removeEventListener('pointercancel', stop)
    window.removeEventListener('keydown', onKey, true)
  }

  function begin(card: ComplaintCard, from: ColumnKey, e: PointerEvent) {
    if (e.button !== 0 || e.pointerType === 'touch') return
    stop()
    start = { x: e.clientX, y: e.clientY, card, from }
    window.addEventListener('pointermove', onMove)
    window.addEventListener('pointerup', onUp)
    window.addEventListener('pointercancel', stop)
    window.addEventListener('keydown', onKey, true)
  }

  onBeforeUnmount(stop)
  return { dragging, over, ghost, begin, cancel: stop, suppressClick: () => suppress }
}
