// If the window fails to start (a script error before Vue mounts), say so on screen instead of
// leaving a blank window: the clerk can read it to support over the phone.
export function showBootErrors() {
  const show = (msg: string) => {
    const app = document.getElementById('app')
    if (app && !app.childElementCount) {
      app.innerHTML = ''
      const pre = document.createElement('pre')
      pre.style.cssText = 'padding:24px;color:#cf1322;white-space:pre-wrap;font-size:14px'
      pre.textContent = `客诉台启动失败 / Complaint Desk failed to start:\n${msg}`
      app.appendChild(pre)
    }
  }
  window.addEventListener('error', (e) => show(String(e.error?.stack || e.message)))
  window.addEventListener('unhandledrejection', (e) => show(String((e.reason as { stack?: string } | null)?.stack || e.reason)))
}
