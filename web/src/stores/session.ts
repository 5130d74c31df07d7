import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { Account } from '@/api/types'
import { layoutForRoles, type Layout } from '@/router/layouts'

/** Who is logged in, and the CSRF token that cookie-authenticated mutations must carry. */
export const useSessionStore = defineStore('session', () => {
  const account = ref<Account | null>(null)
  const csrfToken = ref<string | null>(null)

  const loggedIn = computed(() => account.value !== null)
  const roles = computed(() => account.value?.roles.map((g) => g.role) ?? [])
  const isDistrictAdmin = computed(() => roles.value.includes('district_admin'))
  /** The layout the account's roles call for (the user may still switch by hand). */
  const homeLayout = computed<Layout>(() => layoutForRoles(roles.value))

  function set(next: Account, csrf: string | null) {
    account.value = next
    if (csrf) csrfToken.value = csrf
  }

  function clear() {
    account.value = null
    csrfToken.value = null
  }

  return { account, csrfToken, loggedIn, roles, isDistrictAdmin, homeLayout, set, clear }
})
