// The elder a steward acts for, from the page's `?person=&name=` (set by 我的老人); none on the
// elder's own page.
import { computed } from 'vue'
import { useRoute } from 'vue-router'
import { positiveId } from '@/modules/points/points'

export function useElderFromRoute() {
  const route = useRoute()
  const personId = computed(() => positiveId(route.query.person as string | undefined))
  const personName = computed(() => (typeof route.query.name === 'string' ? route.query.name : ''))
  return { personId, personName }
}
