// Claiming an order (抢单) from any screen: one tap, and a lost race said plainly.
import { i18n } from '@/i18n'
import { ApiError, describeError } from '@/api/fetch'
import { notify } from '@/api/notify'
import { orderStep } from './api'
import type { Order } from './types'

/** 'won', 'lost' (someone else was first: 409, or it is gone: 404), or 'failed'. Says which. */
export async function claim(id: number): Promise<{ result: 'won'; order: Order } | { result: 'lost' | 'failed' }> {
  const { t } = i18n.global
  try {
    const order = await orderStep(id, 'claim')
    notify(t('orders.claim.won', { id }), 'success')
    return { result: 'won', order }
  } catch (e) {
    if (e instanceof ApiError && (e.status === 409 || e.status === 404)) {
      notify(t('orders.claim.lost'), 'error')
      return { result: 'lost' }
    }
    if (!(e instanceof ApiError && e.status === 401)) notify(describeError(e), 'error')
    return { result: 'failed' }
  }
}
