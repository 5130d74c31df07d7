// A small notifier hook: fetch.ts reports errors through it, and each layout plugs in its
// own UI (a Vant toast on the phone, an ElMessage on the desktop). Before any layout is
// mounted (the login page), the matching one is loaded on first use by screen width, so
// neither UI library is part of the login page's bundle.

export type NoticeKind = 'error' | 'success' | 'info'
export type Notifier = (message: string, kind: NoticeKind) => void

// The most recently installed notifier is used; uninstalling one brings back the previous.
const installed: { n: Notifier }[] = []

/** Install a layout's notifier; returns a function that uninstalls it. */
export function setNotifier(n: Notifier): () => void {
  const entry = { n }
  installed.push(entry)
  return () => {
    const i = installed.indexOf(entry)
    if (i >= 0) installed.splice(i, 1)
  }
}

export function notify(message: string, kind: NoticeKind = 'error'): void {
  const current = installed[installed.length - 1]
  if (current) {
    current.n(message, kind)
    return
  }
  const narrow = typeof window !== 'undefined' && window.matchMedia?.('(max-width: 768px)').matches
  const load = narrow ? import('./notify-phone') : import('./notify-desktop')
  load
    .then((m) => m.notifier(message, kind))
    .catch(() => console.error(`[${kind}] ${message}`))
}
