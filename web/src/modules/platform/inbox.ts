// The notification inbox (docs/reference/care.md, Notifications): the messages written for the
// signed-in account — a care alarm's alert, for one — newest first, and how many are unread
// (the 消息 tab's badge). A new alert (care.alarm_alert) means a new message.
import { ref } from 'vue'
import { apiFetch } from '@/api/fetch'
import type { components } from '@/api/schema'

export type Notification = components['schemas']['Notification']
export type NotificationInbox = components['schemas']['NotificationInbox']
type ReadResult = components['schemas']['NotificationReadResult']

/** The caller's unread messages, as last counted. */
export const unreadCount = ref(0)

export async function listInbox(q: { unread?: boolean; before?: number | null; limit?: number } = {}): Promise<NotificationInbox> {
  const page = await apiFetch<NotificationInbox>('/api/notifications', {
    query: { unread: q.unread ? 'true' : undefined, before: q.before ?? undefined, limit: q.limit ?? 50 },
    notify: false,
    redirectOn401: false,
  })
  unreadCount.value = page.unread
  return page
}

/** Counts the unread messages again (quietly: the badge just stays as it was on failure). */
export function refreshUnread(): Promise<void> {
  return listInbox({ unread: true, limit: 1 }).then(
    () => undefined,
    () => undefined,
  )
}

/** Marks these read; answers how many were marked now. */
export async function markRead(ids: number[]): Promise<number> {
  if (!ids.length) return 0
  const r = await apiFetch<ReadResult>('/api/notifications/read', { method: 'POST', body: { ids }, notify: false })
  unreadCount.value = Math.max(0, unreadCount.value - r.read)
  return r.read
}

/** The care alarm a message is about (`care_alarm:<id>`), or null. */
export function alarmOfSubject(subject: string): number | null {
  const m = /^care_alarm:(\d+)$/.exec(subject)
  return m ? Number(m[1]) : null
}
