import { showFailToast, showSuccessToast, showToast } from 'vant'
import 'vant/es/toast/style/index'
import type { Notifier } from './notify'

export const notifier: Notifier = (message, kind) => {
  if (kind === 'error') showFailToast({ message, wordBreak: 'break-word' })
  else if (kind === 'success') showSuccessToast(message)
  else showToast(message)
}
