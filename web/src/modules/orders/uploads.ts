// The photos a form is uploading: each picked file is sent at once (POST /api/photos) and
// followed to its upload id, its thumbnail and any GPS position it carried.
import { ref } from 'vue'
import { ApiError, describeError } from '@/api/fetch'
import { uploadPhoto } from './api'
import { MAX_PHOTOS, takeFiles } from './orders'
import type { PhotoUpload } from './types'

export interface UploadItem {
  key: number
  name: string
  status: 'uploading' | 'done' | 'failed'
  /** Whole percent sent. */
  progress: number
  /** A local preview (object URL) while uploading and when it failed. */
  preview: string
  photo?: PhotoUpload
  error?: string
}

let nextKey = 1

export function usePhotoUploads(onGps: (gps: { lat: number; lon: number }) => void, max = MAX_PHOTOS) {
  const items = ref<UploadItem[]>([])
  const controllers = new Map<number, AbortController>()

  function patch(key: number, change: Partial<UploadItem>) {
    const i = items.value.findIndex((x) => x.key === key)
    if (i >= 0) items.value.splice(i, 1, { ...items.value[i], ...change })
  }

  async function send(item: UploadItem, file: File) {
    const ctl = new AbortController()
    controllers.set(item.key, ctl)
    try {
      const photo = await uploadPhoto(file, (s) => patch(item.key, { progress: Math.floor(s * 100) }), ctl.signal)
      patch(item.key, { status: 'done', progress: 100, photo })
      if (photo.gps) onGps(photo.gps)
    } catch (e) {
      if (ctl.signal.aborted) return
      // The server's own words for 413/415/422 (too big, not a photo, broken or too many pixels).
      const error = e instanceof ApiError && [413, 415, 422].includes(e.status) ? e.message : describeError(e)
      patch(item.key, { status: 'failed', error })
    } finally {
      controllers.delete(item.key)
    }
  }

  /** Starts uploading the files (as many as there is room for); answers how many were left out. */
  function add(files: readonly File[]): number {
    const { take, dropped } = takeFiles(items.value.length, files, max)
    for (const file of take) {
      const item: UploadItem = {
        key: nextKey++,
        name: file.name,
        status: 'uploading',
        progress: 0,
        preview: URL.createObjectURL(file),
      }
      items.value.push(item)
      void send(item, file)
    }
    return dropped
  }

  function remove(key: number) {
    controllers.get(key)?.abort()
    const item = items.value.find((x) => x.key === key)
    if (item) URL.revokeObjectURL(item.preview)
    items.value = items.value.filter((x) => x.key !== key)
  }

  function clear() {
    for (const x of [...items.value]) remove(x.key)
  }

  /** The upload ids of the photos that are up. */
  const ids = () => items.value.filter((x) => x.status === 'done' && x.photo).map((x) => x.photo!.id)
  const busy = () => items.value.some((x) => x.status === 'uploading')

  return { items, add, remove, clear, ids, busy }
}
