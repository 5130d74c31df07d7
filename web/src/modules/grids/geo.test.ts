import { describe, expect, it } from 'vitest'
import { boundsOf, gridsOf } from './geo'

const square = (lon: number, lat: number, d = 0.01) => ({
  type: 'Polygon',
  coordinates: [
    [
      [lon, lat],
      [lon + d, lat],
      [lon + d, lat + d],
      [lon, lat + d],
      [lon, lat],
    ],
  ],
})

const feature = (node_id: number, path: string, geometry: { type: string; coordinates: unknown } = square(109.78, 39.6)) => ({
  type: 'Feature',
  id: node_id,
  geometry,
  properties: { node_id, parent_id: 1, name: `g${node_id}`, community: 'c', path },
})

describe('grid map geometry', () => {
  it('boxes every position, latitude first, of polygons and multipolygons', () => {
    const multi = {
      type: 'MultiPolygon',
      coordinates: [square(109.7, 39.5).coordinates, square(109.9, 39.7, 0.25).coordinates],
    }
    expect(boundsOf([feature(1, '/1/2/3', square(109.78, 39.6)), feature(2, '/1/2/4', multi)])).toEqual([
      [39.5, 109.7],
      [39.95, 110.15],
    ])
  })

  it('has no box without positions', () => {
    expect(boundsOf([])).toBeNull()
    expect(boundsOf([{ geometry: { type: 'Point', coordinates: [1, 2] } }])).toBeNull()
  })

  it('highlights the grids under a community, a grid itself, and the grid above a building', () => {
    const fs = [feature(10, '/1/2/10'), feature(11, '/1/2/11'), feature(20, '/1/3/20'), feature(110, '/1/2/110')]
    expect([...gridsOf(fs, '/1/2')]).toEqual([10, 11, 110])
    expect([...gridsOf(fs, '/1/2/11')]).toEqual([11])
    expect([...gridsOf(fs, '/1/2/11/40/41')]).toEqual([11])
    expect([...gridsOf(fs, '/')]).toEqual([10, 11, 20, 110])
    expect(gridsOf(fs, null).size).toBe(0)
  })
})
