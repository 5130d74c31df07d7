import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { i18n } from './i18n'
import { router } from './router'
import { setUnauthorizedHandler } from './api/fetch'
import { notify } from './api/notify'
import { forgetSession } from './modules/platform/auth'
import { useSessionStore } from './stores/session'
import './styles/base.css'

const app = createApp(App)
app.use(createPinia())
app.use(i18n)
app.use(router)

// Any 401 from the API: the session is gone. Forget it and go to /login, coming back after.
setUnauthorizedHandler(() => {
  const wasLoggedIn = useSessionStore().loggedIn
  forgetSession()
  const here = router.currentRoute.value
  if (here.name === 'login') return
  if (wasLoggedIn) notify(i18n.global.t('errors.unauthenticated'), 'info')
  void router.replace({ name: 'login', query: { redirect: here.fullPath } })
})

app.mount('#app')
