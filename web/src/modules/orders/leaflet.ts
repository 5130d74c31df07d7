// The maps of the orders screens: Leaflet without tiles (no tile server is reachable, as for
// the grid map), the grids the caller may see drawn as the background, points as circles (no
// marker images to load).
import L from 'leaflet'
import 'leaflet/dist/leaflet.css'
import { apiFetch } from '@/api/fetch'
import type { GridCollection } from '@/api/types'
import { boundsOf } from '@/modules/grids/geo'

/** Where a map opens before it knows better (the district of the default data). */
export const DEFAULT_CENTER: [number, number] = [39.6, 109.78]

export function baseMap(el: HTMLElement): L.Map {
  const map = L.map(el, { attributionControl: false, zoomSnap: 0.25 })
  map.setView(DEFAULT_CENTER, 12)
  return map
}

/** Draws the caller's grids (none for residents and anonymous callers) and fits them into
 *  view when `fit`; answers whether there were any. */
export async function drawGrids(map: L.Map, fit: boolean): Promise<boolean> {
  let fc: GridCollection
  try {
    fc = await apiFetch<GridCollection>('/api/grids/geojson', { notify: false, redirectOn401: false })
  } catch {
    return false
  }
  if (!fc.features.length) return false
  L.geoJSON(fc as unknown as GeoJSON.FeatureCollection, {
    style: { color: '#4e6e9e', weight: 1, fillColor: '#a0c4ff', fillOpacity: 0.18 },
    interactive: false,
  }).addTo(map)
  const box = boundsOf(fc.features)
  if (fit && box) map.fitBounds(box, { padding: [8, 8] })
  return true
}

export const STATUS_COLOURS: Readonly<Record<string, string>> = {
  open: '#ff976a',
  claimed: '#1677ff',
  on_hold: '#ee0a24',
  completed: '#07c160',
  verified: '#07c160',
  closed: '#969799',
}
