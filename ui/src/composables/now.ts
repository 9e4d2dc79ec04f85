// One shared clock for every countdown on screen: a board with thousands of cards ticks once a
// second in total, not once per card.
import { ref, onScopeDispose, getCurrentScope } from 'vue'

const now = ref(Date.now())
let timer: ReturnType<typeof setInterval> | null = null
let users = 0

export function useNow() {
  users++
  if (!timer) timer = setInterval(() => (now.value = Date.now()), 1000)
  if (getCurrentScope()) {
    onScopeDispose(() => {
      users--
      if (users === 0 && timer) {
        clearInterval(timer)
        timer = null
      }
    })
  }
  return now
}

/** For tests: move the shared clock. */
export function setNowForTests(ms: number) {
  now.value = ms
}
