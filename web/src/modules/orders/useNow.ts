// The time now, for deadlines, refreshed every half minute while a page is open.
import { onBeforeUnmount, ref } from 'vue'

export function useNow(everyMs = 30_000) {
  const now = ref(Date.now())
  const timer = setInterval(() => (now.value = Date.now()), everyMs)
  onBeforeUnmount(() => clearInterval(timer))
  return now
}
