/**
 * The webhook outbox's fan-out: SQL that, in the statement that records a fact, writes one
 * webhook_deliveries row per active endpoint of the fact's merchant that wants its event type.
 * The row's key (endpoint, fact id) makes a second recording of the same fact a no-op; the fact
 * id is the deliveries' webhook-id, so a receiver can drop a repeat. ./worker.ts delivers them.
 *
 * Used as a CTE over the statement's `RETURNING *` of purchases (`p`):
 *   WITH p AS (UPDATE purchases … RETURNING *), w AS (${purchaseIssued("p")}) SELECT * FROM p
 */
import type { EventType } from "./endpoints.ts";

const fanOut = (event: EventType, from: string, factId: string, data: string) =>
  `INSERT INTO webhook_deliveries (endpoint_id, fact_id, event_type, payload)
   SELECT e.id, ${factId}, '${event}', ${data}
     FROM ${from} JOIN webhook_endpoints e ON e.merchant = ${from}.merchant AND e.disabled_at IS NULL AND '${event}' = ANY (e.events)
   ON CONFLICT (endpoint_id, fact_id) DO NOTHING`;

export const factIds = {
  issued: (purchaseId: string) => `purchase.issued:${purchaseId}`,
  refunded: (purchaseId: string, txHash: string) => `purchase.refunded:${purchaseId}:${txHash}`,
};

/** `purchase.issued` of the purchase rows `p`: orderId, member address, points, txHash. */
export const purchaseIssued = (p: string) =>
  fanOut(
    "purchase.issued",
    p,
    `'purchase.issued:' || ${p}.id`,
    `jsonb_build_object('purchaseId', ${p}.id, 'orderId', ${p}.order_id, 'member', ${p}.member, 'points', coalesce(${p}.points, 0)::text, 'txHash', ${p}.tx_hash, 'blockNumber', ${p}.block_number::text)`,
  );

/** `purchase.refunded` of the purchase rows `p` (one refund: its tx), `clawedBack` the SQL of the points taken back by it. */
export const purchaseRefunded = (p: string, clawedBack: string) =>
  fanOut(
    "purchase.refunded",
    p,
    `'purchase.refunded:' || ${p}.id || ':' || ${p}.refund_tx_hash`,
    `jsonb_build_object('purchaseId', ${p}.id, 'orderId', ${p}.order_id, 'member', ${p}.member, 'pointsClawedBack', (${clawedBack})::text, 'refundedPoints', ${p}.refunded_points::text, 'points', coalesce(${p}.points, 0)::text, 'txHash', ${p}.refund_tx_hash)`,
  );
