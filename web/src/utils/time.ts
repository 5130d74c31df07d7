/** A UTC-millisecond time for people: the time of day for today, date and time otherwise. */
export function formatTime(ms: number, locale: string, now: number = Date.now()): string {
  const d = new Date(ms)
  const sameDay = new Date(now).toDateString() === d.toDateString()
  return sameDay
    ? d.toLocaleTimeString(locale, { hour12: false })
    : d.toLocaleString(locale, { hour12: false })
}
