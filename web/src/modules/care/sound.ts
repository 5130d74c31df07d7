// The alarm's ring: a two-tone beep loop made with Web Audio (no audio files: the CSP and the
// build stay as they are) and the phone's vibration where there is one.
//
// Browsers keep audio silent until the user has touched the page once: `primeAudio` (called on
// the first tap anywhere, and by the "test the ring" button) makes the audio context then, so
// an alert that arrives later can ring without a tap.

type Ctx = AudioContext
let ctx: Ctx | null = null
let timer: ReturnType<typeof setInterval> | null = null

function audioContext(): Ctx | null {
  if (ctx) return ctx
  const Ctor = (globalThis as { AudioContext?: typeof AudioContext; webkitAudioContext?: typeof AudioContext }).AudioContext
    ?? (globalThis as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext
  if (!Ctor) return null
  try {
    ctx = new Ctor()
  } catch {
    ctx = null
  }
  return ctx
}

/** Makes (or resumes) the audio context; call it from a user's tap. */
export function primeAudio(): void {
  const c = audioContext()
  if (c && c.state === 'suspended') void c.resume().catch(() => {})
}

/** The audio can play now (the context exists and runs). */
export const audioReady = () => ctx !== null && ctx.state === 'running'

function beep(c: Ctx, at: number, freq: number, seconds: number) {
  const osc = c.createOscillator()
  const gain = c.createGain()
  osc.type = 'square'
  osc.frequency.value = freq
  gain.gain.setValueAtTime(0.0001, at)
  gain.gain.exponentialRampToValueAtTime(0.3, at + 0.02)
  gain.gain.setValueAtTime(0.3, at + seconds - 0.03)
  gain.gain.exponentialRampToValueAtTime(0.0001, at + seconds)
  osc.connect(gain).connect(c.destination)
  osc.start(at)
  osc.stop(at + seconds + 0.01)
}

function vibrate(pattern: number | number[]) {
  const nav = globalThis.navigator as (Navigator & { vibrate?: (p: number | number[]) => boolean }) | undefined
  try {
    nav?.vibrate?.(pattern)
  } catch {
    /* not allowed here */
  }
}

function ringOnce() {
  const c = audioContext()
  if (c) {
    if (c.state === 'suspended') void c.resume().catch(() => {})
    const t0 = c.currentTime + 0.02
    beep(c, t0, 988, 0.22)
    beep(c, t0 + 0.3, 740, 0.22)
    beep(c, t0 + 0.6, 988, 0.22)
  }
  vibrate([500, 200, 500])
}

/** Rings every 1.5 s until stopRing. Ringing again does nothing. */
export function startRing(): void {
  if (timer !== null) return
  ringOnce()
  timer = setInterval(ringOnce, 1500)
}

export function stopRing(): void {
  if (timer !== null) clearInterval(timer)
  timer = null
  vibrate(0)
}

export const ringing = () => timer !== null

/** One short beep (the "test the ring" button; it also unlocks the audio). */
export function testRing(): void {
  primeAudio()
  const c = audioContext()
  if (c) beep(c, c.currentTime + 0.05, 988, 0.25)
  vibrate(200)
}
