import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { LiveEvent } from '@/api/types'

export type LiveStatus = 'idle' | 'connecting' | 'online' | 'offline'

/** How many recent events the page keeps. */
export const LIVE_EVENTS_MAX = 100

/** The live event stream's state: connection status and the most recent events. */
export const useLiveStore = defineStore('live', () => {
  const status = ref<LiveStatus>('idle')
  /** Newest first, at most LIVE_EVENTS_MAX, no duplicate ids. */
  const events = ref<LiveEvent[]>([])
  /** The highest event id seen; sent as `last_event_id` when the stream is reopened. */
  const lastEventId = ref<number | null>(null)

  function push(ev: LiveEvent) {
    if (events.value.some((e) => e.id === ev.id)) return
    const list = [ev, ...events.value]
    list.sort((a, b) => b.id - a.id)
    if (list.length > LIVE_EVENTS_MAX) list.length = LIVE_EVENTS_MAX
    events.value = list
    if (lastEventId.value === null || ev.id > lastEventId.value) lastEventId.value = ev.id
  }

  function setStatus(s: LiveStatus) {
    status.value = s
  }

  function reset() {
    status.value = 'idle'
    events.value = []
    lastEventId.value = null
  }

  return { status, events, lastEventId, push, setStatus, reset }
})
