// What the phone pages ask of the browser: the position for a check-in, the camera, and
// reading QR codes from it — the built-in BarcodeDetector where the browser has one, else
// jsQR (loaded only then).

/** The position now, or null when it is refused, unavailable or slow. Never rejects; does
 *  not wait longer than `timeoutMs` plus a little, even while the permission prompt is open. */
export function currentPosition(timeoutMs = 8000): Promise<GeolocationCoordinates | null> {
  if (typeof navigator === 'undefined' || !('geolocation' in navigator)) return Promise.resolve(null)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs + 2000)
    const done = (c: GeolocationCoordinates | null) => {
      clearTimeout(timer)
      resolve(c)
    }
    try {
      navigator.geolocation.getCurrentPosition(
        (p) => done(p.coords),
        () => done(null),
        { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 60_000 },
      )
    } catch {
      done(null)
    }
  })
}

/** Why the camera could not be opened, as the pages explain it. */
export type CameraProblem = 'insecure' | 'unsupported' | 'denied' | 'no_camera' | 'busy' | 'other'

export function cameraProblem(err: unknown): CameraProblem {
  const name = err instanceof DOMException || err instanceof Error ? err.name : ''
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'denied'
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'no_camera'
  if (name === 'NotReadableError' || name === 'AbortError') return 'busy'
  return 'other'
}

/** The back camera's stream (any camera when there is no back one). */
export async function openCamera(): Promise<MediaStream> {
  if (typeof window !== 'undefined' && !window.isSecureContext) {
    throw Object.assign(new Error('insecure context'), { name: 'InsecureContext' })
  }
  if (!navigator.mediaDevices?.getUserMedia) {
    throw Object.assign(new Error('getUserMedia missing'), { name: 'Unsupported' })
  }
  return navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
  })
}

export function stopCamera(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop()
}

type Source = HTMLVideoElement | HTMLImageElement | ImageBitmap

/** Reads the text of a QR code in a picture or a video frame. */
export interface QrReader {
  engine: 'native' | 'jsqr'
  read(source: Source): Promise<string | null>
}

interface DetectedBarcode {
  rawValue: string
}
interface BarcodeDetectorLike {
  detect(source: Source): Promise<DetectedBarcode[]>
}
interface BarcodeDetectorClass {
  new (opts: { formats: string[] }): BarcodeDetectorLike
  getSupportedFormats?: () => Promise<string[]>
}

/** Frames are scaled down to this many pixels on the longer side before jsQR reads them. */
const JSQR_MAX_SIDE = 800

function sizeOf(source: Source): [number, number] {
  if (source instanceof HTMLVideoElement) return [source.videoWidth, source.videoHeight]
  if (source instanceof HTMLImageElement) return [source.naturalWidth, source.naturalHeight]
  return [source.width, source.height]
}

async function nativeReader(): Promise<QrReader | null> {
  const BD = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector
  if (!BD) return null
  try {
    const formats = (await BD.getSupportedFormats?.()) ?? ['qr_code']
    if (!formats.includes('qr_code')) return null
    const detector = new BD({ formats: ['qr_code'] })
    return {
      engine: 'native',
      async read(source) {
        const [w, h] = sizeOf(source)
        if (!w || !h) return null
        const found = await detector.detect(source)
        return found.find((b) => b.rawValue)?.rawValue ?? null
      },
    }
  } catch {
    return null
  }
}

async function jsqrReader(): Promise<QrReader> {
  const { default: jsQR } = await import('jsqr')
  const canvas = document.createElement('canvas')
  const ctx = canvas.getContext('2d', { willReadFrequently: true })
  return {
    engine: 'jsqr',
    async read(source) {
      const [w, h] = sizeOf(source)
      if (!ctx || !w || !h) return null
      const scale = Math.min(1, JSQR_MAX_SIDE / Math.max(w, h))
      canvas.width = Math.round(w * scale)
      canvas.height = Math.round(h * scale)
      ctx.drawImage(source, 0, 0, canvas.width, canvas.height)
      const img = ctx.getImageData(0, 0, canvas.width, canvas.height)
      // Video frames are read many times a second: only the usual dark-on-light symbols.
      const inversion = source instanceof HTMLVideoElement ? 'dontInvert' : 'attemptBoth'
      return jsQR(img.data, img.width, img.height, { inversionAttempts: inversion })?.data || null
    },
  }
}

/** The best reader this browser has. */
export async function qrReader(): Promise<QrReader> {
  return (await nativeReader()) ?? jsqrReader()
}

/** A picked image file as something a reader can read. */
export async function imageOf(file: Blob): Promise<ImageBitmap | HTMLImageElement> {
  if (typeof createImageBitmap === 'function') return createImageBitmap(file)
  const url = URL.createObjectURL(file)
  try {
    const img = new Image()
    img.src = url
    await img.decode()
    return img
  } finally {
    URL.revokeObjectURL(url)
  }
}
