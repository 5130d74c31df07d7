// Reading the territory tree: every child of a node (or the caller's top nodes), all pages.
import { apiFetch } from '@/api/fetch'
import type { NodePage, TerritoryNode } from '@/api/types'

/** The page size asked for (the server's largest). */
export const NODE_PAGE_MAX = 200

export async function loadChildren(parent: number | null): Promise<TerritoryNode[]> {
  const out: TerritoryNode[] = []
  let after: number | undefined
  do {
    const page = await apiFetch<NodePage>('/api/nodes', {
      query: { parent: parent ?? undefined, after, limit: NODE_PAGE_MAX },
    })
    out.push(...page.items)
    after = page.next_after ?? undefined
  } while (after !== undefined)
  return out
}

export function isLeafNode(n: { kind: string }): boolean {
  return n.kind === 'building'
}
