import { ElMessage } from 'element-plus'
import 'element-plus/es/components/message/style/css'
import type { Notifier } from './notify'

export const notifier: Notifier = (message, kind) => {
  ElMessage({ message, type: kind, grouping: true, showClose: kind === 'error' })
}
