// Start-up markers for the desktop benchmark (benches/desktop/measure.py, issue 8 case 7): the
// wall-clock time (epoch ms, the clock /proc's process start times are on) of the frame after a
// screen first showed its content. Each is set once per page load and costs nothing afterwards;
// nothing in the app reads them.

type Marks = Record<string, number | null | undefined>

/** Sets `window[name]` to the time of the next frame, the first time it is called for `name`. */
export function markShown(name: string): void {
  const w = window as unknown as Marks
  if (w[name] !== undefined) return
  w[name] = null
  requestAnimationFrame(() => {
    w[name] = performance.timeOrigin + performance.now()
  })
}

const boardParts = new Set<string>()

/** A board column (or the table) has its first data; the board has shown once all `of` have. */
export function boardPartShown(part: string, of: number): void {
  boardParts.add(part)
  if (boardParts.size >= of) markShown('__cdBoardShownAt')
}
