// One IPC call, its answer on screen, then the marker the benchmark reads (epoch ms, the same
// clock and the same moment — the frame after the content is in — as the app's board marker).
window.__TAURI_INTERNALS__.invoke('ping').then((answer) => {
  document.getElementById('status').textContent = 'minimal window: ' + answer
  requestAnimationFrame(() => {
    window.__cdShownAt = performance.timeOrigin + performance.now()
  })
})
