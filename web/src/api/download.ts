// Downloads through apiFetch (so a refusal is shown like any other error), saved by the
// browser under `filename`.
import { apiFetch } from './fetch'

export async function download(
  path: string,
  filename: string,
  query?: Record<string, string | number | null | undefined>,
): Promise<void> {
  const blob = await apiFetch<Blob>(path, { query, responseAs: 'blob' })
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
