// What both layouts share: their notifier, logout, and switching to the other layout.
import { onBeforeUnmount } from 'vue'
import { useRouter } from 'vue-router'
import { setNotifier, type Notifier } from '@/api/notify'
import { LAYOUT_HOME, setPreferredLayout, type Layout } from '@/router/layouts'
import { useSessionStore } from '@/stores/session'
import { logout } from './auth'

/** In a layout, pass its notifier to install it while the layout is mounted. */
export function useShell(notifier?: Notifier) {
  const router = useRouter()
  const session = useSessionStore()

  if (notifier) onBeforeUnmount(setNotifier(notifier))

  async function doLogout() {
    try {
      await logout()
    } catch {
      /* already shown by the notifier; the local session is gone anyway */
    }
    await router.replace({ name: 'login' })
  }

  function switchLayout(to: Layout) {
    if (session.account) setPreferredLayout(session.account.id, to)
    void router.push(LAYOUT_HOME[to])
  }

  return { session, doLogout, switchLayout }
}
