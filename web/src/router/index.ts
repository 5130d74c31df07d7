import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { ensureSession, homePath } from '@/modules/platform/auth'
import { useSessionStore } from '@/stores/session'
import { REGISTRY_READERS } from '@/api/types'
import { CONSOLE_SCREENS } from './console-nav'
import { CARE_RESPONDER_ROLES } from '@/modules/care/care'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session. */
    public?: boolean
    /** Any one of these roles is required. */
    roles?: string[]
    /** i18n key of the page title. */
    title?: string
  }
}

const Blank = { render: () => null }

/** The roles that may open console screen `name` (see console-nav.ts). */
function rolesOf(name: string): string[] {
  return [...(CONSOLE_SCREENS.find((s) => s.name === name)?.roles ?? ['district_admin'])]
}

const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/modules/platform/LoginPage.vue'),
    meta: { public: true },
  },
  { path: '/', name: 'root', component: Blank },
  {
    // The page behind every printed code (the server serves the app here): anyone may open it.
    path: '/c/:token',
    name: 'code',
    component: () => import('@/modules/codes/CodeLanding.vue'),
    meta: { public: true, title: 'codes.landing.title' },
  },
  {
    // Phone layout (Vant): residents and field roles.
    path: '/m',
    component: () => import('@/layouts/PhoneLayout.vue'),
    children: [
      {
        path: '',
        name: 'm-home',
        component: () => import('@/modules/platform/PhoneHome.vue'),
        meta: { title: 'nav.home' },
      },
      {
        path: 'households',
        name: 'm-households',
        component: () => import('@/modules/registry/PhoneHouseholds.vue'),
        meta: { title: 'registry.households', roles: [...REGISTRY_READERS] },
      },
      {
        path: 'households/:id',
        name: 'm-household',
        component: () => import('@/modules/registry/PhoneHousehold.vue'),
        meta: { title: 'registry.household', roles: [...REGISTRY_READERS] },
      },
      {
        path: 'my-household',
        name: 'm-my-household',
        component: () => import('@/modules/registry/PhoneMyHousehold.vue'),
        meta: { title: 'registry.mine' },
      },
      {
        path: 'scan',
        name: 'm-scan',
        component: () => import('@/modules/codes/PhoneScan.vue'),
        meta: { title: 'codes.scan.title' },
      },
      {
        // 随手拍: anyone may report, signed in or not (an anonymous caller gives a phone number).
        path: 'report',
        name: 'm-report',
        component: () => import('@/modules/orders/PhoneReport.vue'),
        meta: { title: 'orders.report.title', public: true },
      },
      {
        path: 'reports',
        name: 'm-reports',
        component: () => import('@/modules/orders/PhoneReports.vue'),
        meta: { title: 'orders.report.mine' },
      },
      {
        path: 'reports/:id(\\d+)',
        name: 'm-report-detail',
        component: () => import('@/modules/orders/PhoneReportDetail.vue'),
        meta: { title: 'orders.report.one' },
      },
      {
        path: 'pool',
        name: 'm-pool',
        component: () => import('@/modules/orders/PhonePool.vue'),
        meta: { title: 'orders.pool.title' },
      },
      {
        path: 'orders',
        name: 'm-orders',
        component: () => import('@/modules/orders/PhoneOrders.vue'),
        meta: { title: 'orders.mine.title' },
      },
      {
        path: 'orders/:id(\\d+)',
        name: 'm-order',
        component: () => import('@/modules/orders/PhoneOrderDetail.vue'),
        meta: { title: 'orders.order' },
      },
      {
        // 积分: any signed-in account; one linked to no person is told to ask the community.
        path: 'points',
        name: 'm-points',
        component: () => import('@/modules/points/PhonePoints.vue'),
        meta: { title: 'points.title' },
      },
      {
        path: 'points/earn',
        name: 'm-points-earn',
        component: () => import('@/modules/points/PhonePointsEarn.vue'),
        meta: { title: 'points.earn.title' },
      },
      {
        path: 'points/proposals',
        name: 'm-points-proposals',
        component: () => import('@/modules/points/PhonePointsProposals.vue'),
        meta: { title: 'points.proposals.mine' },
      },
      {
        path: 'points/appeals',
        name: 'm-points-appeals',
        component: () => import('@/modules/points/PhonePointsAppeals.vue'),
        meta: { title: 'points.appeals.mine' },
      },
      {
        path: 'points/shop',
        name: 'm-points-shop',
        component: () => import('@/modules/points/PhonePointsShop.vue'),
        meta: { title: 'points.shop.title' },
      },
      {
        path: 'points/review',
        name: 'm-points-review',
        component: () => import('@/modules/points/PhonePointsReview.vue'),
        meta: { title: 'points.review.title', roles: ['committee_member'] },
      },
      {
        // 一键呼叫: the elder's one-key alarm (an account linked to no person is told so).
        path: 'care',
        name: 'm-care',
        component: () => import('@/modules/care/PhoneCare.vue'),
        meta: { title: 'care.title' },
      },
      {
        path: 'care/alarms',
        name: 'm-care-alarms',
        component: () => import('@/modules/care/PhoneCareAlarms.vue'),
        meta: { title: 'care.alarms.title', roles: [...CARE_RESPONDER_ROLES] },
      },
      {
        path: 'care/alarms/:id(\\d+)',
        name: 'm-care-alarm',
        component: () => import('@/modules/care/PhoneCareAlarm.vue'),
        meta: { title: 'care.detail.title', roles: [...CARE_RESPONDER_ROLES] },
      },
      {
        // 待探访: the elders due a visit in a steward's (grid worker's, staff's) places.
        path: 'care/visits',
        name: 'm-care-visits',
        component: () => import('@/modules/care/PhoneCareVisits.vue'),
        meta: { title: 'care.visits.title', roles: [...CARE_RESPONDER_ROLES] },
      },
      {
        path: 'care/visits/:id(\\d+)',
        name: 'm-care-visit-history',
        component: () => import('@/modules/care/PhoneCareVisitHistory.vue'),
        meta: { title: 'care.visits.historyTitle', roles: [...CARE_RESPONDER_ROLES] },
      },
      {
        // 功能室预约: a resident books the station's rooms (one linked to no household is told so).
        path: 'care/rooms',
        name: 'm-care-rooms',
        component: () => import('@/modules/care/PhoneCareRooms.vue'),
        meta: { title: 'care.rooms.title' },
      },
      {
        // 助餐: a resident orders meals from the station's menus (a steward for an elder: ?person=).
        path: 'care/meals',
        name: 'm-care-meals',
        component: () => import('@/modules/care/PhoneCareMeals.vue'),
        meta: { title: 'care.meals.title' },
      },
      {
        // 问诊: an elder asks a family doctor (a steward for an elder: ?person=).
        path: 'care/consult',
        name: 'm-care-consult',
        component: () => import('@/modules/care/PhoneCareConsult.vue'),
        meta: { title: 'care.consult.title' },
      },
      {
        // 居家服务: an elder asks for a repair or a utility check (a steward for an elder: ?person=).
        path: 'care/services',
        name: 'm-care-services',
        component: () => import('@/modules/care/PhoneCareServices.vue'),
        meta: { title: 'care.services.title' },
      },
      {
        // 我的老人: the elders in a steward's buildings, and one of them.
        path: 'care/elders',
        name: 'm-care-elders',
        component: () => import('@/modules/care/PhoneCareElders.vue'),
        meta: { title: 'care.myElders.title', roles: [...CARE_RESPONDER_ROLES] },
      },
      {
        path: 'care/elders/:id(\\d+)',
        name: 'm-care-elder',
        component: () => import('@/modules/care/PhoneCareElder.vue'),
        meta: { title: 'care.myElders.one', roles: [...CARE_RESPONDER_ROLES] },
      },
      {
        // 问诊 for family doctors: the consultations in their places.
        path: 'care/consultations',
        name: 'm-care-consultations',
        component: () => import('@/modules/care/PhoneCareDoctor.vue'),
        meta: { title: 'care.consult.doctor.title', roles: ['doctor'] },
      },
      {
        path: 'messages',
        name: 'm-messages',
        component: () => import('@/modules/platform/PhoneMessages.vue'),
        meta: { title: 'nav.messages' },
      },
      {
        path: 'me',
        name: 'm-me',
        component: () => import('@/modules/platform/PhoneMe.vue'),
        meta: { title: 'nav.me' },
      },
    ],
  },
  {
    // Desktop console (Element Plus): staff and administrators.
    path: '/console',
    component: () => import('@/layouts/DesktopLayout.vue'),
    children: [
      {
        path: '',
        name: 'c-home',
        component: () => import('@/modules/platform/ConsoleHome.vue'),
        meta: { title: 'nav.home' },
      },
      {
        path: 'accounts',
        name: 'c-accounts',
        component: () => import('@/modules/platform/AccountsPage.vue'),
        meta: { title: 'nav.accounts', roles: rolesOf('c-accounts') },
      },
      {
        path: 'territory',
        name: 'c-territory',
        component: () => import('@/modules/territory/TerritoryPage.vue'),
        meta: { title: 'nav.territory', roles: rolesOf('c-territory') },
      },
      {
        path: 'codes',
        name: 'c-codes',
        component: () => import('@/modules/codes/CodesPage.vue'),
        meta: { title: 'nav.codes', roles: rolesOf('c-codes') },
      },
      {
        path: 'orders',
        name: 'c-orders',
        component: () => import('@/modules/orders/OrdersPage.vue'),
        meta: { title: 'nav.orders', roles: rolesOf('c-orders') },
      },
      {
        path: 'points',
        name: 'c-points',
        component: () => import('@/modules/points/PointsPage.vue'),
        meta: { title: 'nav.points', roles: rolesOf('c-points') },
      },
      {
        path: 'care',
        name: 'c-care',
        component: () => import('@/modules/care/CarePage.vue'),
        meta: { title: 'nav.care', roles: rolesOf('c-care') },
      },
      {
        path: 'persons',
        name: 'c-persons',
        component: () => import('@/modules/registry/ConsolePersons.vue'),
        meta: { title: 'nav.persons', roles: rolesOf('c-persons') },
      },
      {
        path: 'households/:id',
        name: 'c-household',
        component: () => import('@/modules/registry/ConsoleHousehold.vue'),
        meta: { title: 'registry.household', roles: rolesOf('c-persons') },
      },
      {
        path: 'roster',
        name: 'c-roster',
        component: () => import('@/modules/roster/RosterImportPage.vue'),
        meta: { title: 'nav.roster', roles: rolesOf('c-roster') },
      },
      {
        path: 'grants',
        name: 'c-grants',
        component: () => import('@/modules/platform/GrantsPage.vue'),
        meta: { title: 'nav.grants', roles: rolesOf('c-grants') },
      },
      {
        path: 'audit',
        name: 'c-audit',
        component: () => import('@/modules/audit/AuditPage.vue'),
        meta: { title: 'nav.audit', roles: rolesOf('c-audit') },
      },
      {
        path: 'open311',
        name: 'c-open311',
        component: () => import('@/modules/open311/Open311ClientsPage.vue'),
        meta: { title: 'nav.open311', roles: rolesOf('c-open311') },
      },
    ],
  },
  { path: '/:pathMatch(.*)*', redirect: '/' },
]

export const router = createRouter({ history: createWebHistory(), routes })

/** Only same-site paths are followed after login. */
export function safeRedirect(target: unknown): string | null {
  return typeof target === 'string' && target.startsWith('/') && !target.startsWith('//')
    ? target
    : null
}

router.beforeEach(async (to) => {
  const account = await ensureSession()
  if (to.meta.public) {
    // Someone already logged in who opens /login goes home instead.
    return account && to.name === 'login' ? (safeRedirect(to.query.redirect) ?? homePath(account)) : true
  }
  if (!account) {
    return to.name === 'root'
      ? { name: 'login' }
      : { name: 'login', query: { redirect: to.fullPath } }
  }
  if (to.name === 'root') return homePath(account)
  const need = to.meta.roles
  if (need && !useSessionStore().roles.some((r) => need.includes(r))) return homePath(account)
  return true
})
