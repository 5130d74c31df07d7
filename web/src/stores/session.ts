import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { Account, AccountDepartment } from '@/api/types'
import { layoutForRoles, type Layout } from '@/router/layouts'

/** Who is logged in, and the CSRF token that cookie-authenticated mutations must carry. */
export const useSessionStore = defineStore('session', () => {
  const account = ref<Account | null>(null)
  const csrfToken = ref<string | null>(null)
  /** The organisations the account works for (GET /api/me): it claims orders as their department. */
  const departments = ref<AccountDepartment[]>([])

  const loggedIn = computed(() => account.value !== null)
  const roles = computed(() => account.value?.roles.map((g) => g.role) ?? [])
  const isDistrictAdmin = computed(() => roles.value.includes('district_admin'))
  /** The layout the account's roles call for (the user may still switch by hand). */
  const homeLayout = computed<Layout>(() => layoutForRoles(roles.value))

  /** `nextDepartments` replaces the departments when given (GET /api/me carries them). */
  function set(next: Account, csrf: string | null, nextDepartments?: readonly AccountDepartment[]) {
    if (account.value && account.value.id !== next.id) departments.value = []
    account.value = next
    if (csrf) csrfToken.value = csrf
    if (nextDepartments) departments.value = [...nextDepartments]
  }

  function clear() {
    account.value = null
    csrfToken.value = null
    departments.value = []
  }

  return { account, csrfToken, departments, loggedIn, roles, isDistrictAdmin, homeLayout, set, clear }
})
