// GeoJSON helpers for the grid map, kept apart from Leaflet so they are tested in Node.
import { scopeCovers } from '@/modules/platform/permissions'

type Position = number[]
/** A Polygon's or MultiPolygon's geometry, as the export writes it. */
export interface AreaGeometry {
  type: string
  coordinates: unknown
}

/** [[south, west], [north, east]] in Leaflet's order (latitude first), or null when empty. */
export type LatLngBox = [[number, number], [number, number]]

function positions(geometry: AreaGeometry): Position[] {
  const c = geometry.coordinates as Position[][] | Position[][][]
  if (geometry.type === 'Polygon') return (c as Position[][]).flat()
  if (geometry.type === 'MultiPolygon') return (c as Position[][][]).flat(2)
  return []
}

/** The box around every position of the features (GeoJSON positions are [longitude, latitude]). */
export function boundsOf(features: readonly { geometry: AreaGeometry }[]): LatLngBox | null {
  let south = Infinity
  let west = Infinity
  let north = -Infinity
  let east = -Infinity
  for (const f of features) {
    for (const [lon, lat] of positions(f.geometry)) {
      if (!Number.isFinite(lon) || !Number.isFinite(lat)) continue
      south = Math.min(south, lat)
      north = Math.max(north, lat)
      west = Math.min(west, lon)
      east = Math.max(east, lon)
    }
  }
  return south <= north ? [[south, west], [north, east]] : null
}

/**
 * The grids that belong with a selected node: for a street or community every grid under it,
 * for a grid itself, for a compound or building the grid above it. None for no selection.
 */
export function gridsOf(
  features: readonly { properties: { node_id: number; path: string } }[],
  selectedPath: string | null,
): Set<number> {
  const out = new Set<number>()
  if (selectedPath === null) return out
  for (const f of features) {
    const p = f.properties.path
    if (scopeCovers(selectedPath, p) || scopeCovers(p, selectedPath)) out.add(f.properties.node_id)
  }
  return out
}
