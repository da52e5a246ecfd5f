/** The OpenAPI 3.1 description of /api/v1 (served at /api/v1/openapi.json): the one place it is written. */
import { MAX_AMOUNT_CENTS } from "./purchases.ts";

const error = (codes: string[], description: string) => ({
  description: `${description} (error.code: ${codes.join(", ")})`,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

const orderIdParam = { name: "orderId", in: "path", required: true, description: "The merchant's order id (percent-encoded).", schema: { type: "string", minLength: 1, maxLength: 128 } };
const digits = (description: string) => ({ type: "string", pattern: "^[0-9]+$", description });

export function openApiDocument(serverUrl?: string) {
  return {
    openapi: "3.1.0",
    info: {
      title: "Fidélité purchase API",
      version: "1.0.0",
      description:
        "Turns a merchant's purchases into loyalty points issued on chain (LoyaltyPoints.issuePurchasesFor, by the platform's relayer as the merchant's issuing agent: concurrent purchases of a merchant travel in one batch, each with its own ref and events; the answer comes once its batch is mined). " +
        "Idempotent per (merchant, orderId): a retried or concurrent duplicate never issues twice (in the database, and on chain through the issuance ref keccak256(abi.encode(merchant, orderId))). " +
        "Amounts and points are decimal strings in responses (they can exceed 2^53). Errors: 4xx/5xx with { error: { code, message } }.",
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ apiKey: [] }],
    paths: {
      "/api/v1/purchases": {
        post: {
          operationId: "createPurchase",
          summary: "Record a purchase and issue its points",
          requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/PurchaseRequest" } } } },
          responses: {
            "201": { description: "Issued now", content: { "application/json": { schema: { $ref: "#/components/schemas/Purchase" } } } },
            "200": { description: "Already issued by an earlier request with the same orderId and payload (replayed: true)", content: { "application/json": { schema: { $ref: "#/components/schemas/Purchase" } } } },
            "400": error(["bad_json"], "The body is not a JSON object"),
            "401": error(["missing_api_key", "invalid_api_key"], "No key, or an unknown or revoked one"),
            "403": error(["merchant_not_active"], "The key's merchant has no merchant role on chain, or has not authorized the platform relayer as its issuing agent"),
            "404": error(["unknown_member"], "No member with this email or id"),
            "409": error(
              ["order_conflict", "issuance_mismatch", "allowance_exceeded"],
              "The orderId was used for a different purchase (here, or on chain from the merchant console: nothing was issued), or the merchant's issuance allowance is too small",
            ),
            "413": error(["too_large"], "Body over 8 KiB"),
            "415": error(["bad_content_type"], "Not application/json"),
            "422": error(
              ["invalid_member", "member_unverified", "invalid_amount", "unsupported_currency", "invalid_order_id", "self_issuance", "member_moved", "issuance_refused"],
              "A field is invalid; member_unverified: the member named by email has not verified that address yet, so nothing was issued (retry the same orderId once they have, or name them by wallet address or member id)",
            ),
            "429": error(["rate_limited"], "Too many requests of this key, or purchases by email/id (or for unknown members) of this key or merchant: wait Retry-After seconds"),
            "503": error(["relayer_unavailable", "program_paused", "no_database"], "Try again later with the same orderId"),
          },
        },
      },
      "/api/v1/purchases/{orderId}": {
        get: {
          operationId: "getPurchase",
          summary: "One of the key's merchant's purchases",
          parameters: [orderIdParam],
          responses: {
            "200": { description: "The purchase", content: { "application/json": { schema: { $ref: "#/components/schemas/Purchase" } } } },
            "401": error(["missing_api_key", "invalid_api_key"], "No key, or an unknown or revoked one"),
            "404": error(["unknown_order"], "This merchant has no such order"),
            "429": error(["rate_limited"], "Too many requests of this key: wait Retry-After seconds"),
          },
        },
      },
      "/api/v1/purchases/{orderId}/refund": {
        post: {
          operationId: "refundPurchase",
          summary: "Claw back the purchase's points where the member still holds them",
          description: "Claws back min(what the issuance still has, the member's balance) with LoyaltyPoints.clawbackFor; what was spent already is reported in notClawedBack. Repeating it is safe.",
          parameters: [orderIdParam],
          responses: {
            "200": { description: "What was clawed back", content: { "application/json": { schema: { $ref: "#/components/schemas/Refund" } } } },
            "401": error(["missing_api_key", "invalid_api_key"], "No key, or an unknown or revoked one"),
            "403": error(["merchant_not_active"], "The merchant or its agent authorization is gone"),
            "404": error(["unknown_order"], "This merchant has no such order (another merchant's orders are not visible)"),
            "409": error(["not_issued", "issuance_mismatch"], "The purchase was never issued, or the chain's issuance under its order id is another member's (nothing is clawed back)"),
          },
        },
      },
      "/api/v1/openapi.json": { get: { operationId: "openApi", summary: "This document", security: [], responses: { "200": { description: "OpenAPI 3.1" } } } },
    },
    components: {
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "A merchant API key fid_<prefix>_<secret>, created in the merchant console (shown once)." } },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: { error: { type: "object", required: ["code", "message"], properties: { code: { type: "string" }, message: { type: "string" } } } },
        },
        PurchaseRequest: {
          type: "object",
          required: ["member", "amountCents", "currency", "orderId"],
          properties: {
            member: {
              description: "The member: a wallet address, or the email or id of an account of this platform.",
              oneOf: [
                { type: "object", required: ["address"], properties: { address: { type: "string", pattern: "^0x[0-9a-fA-F]{40}$" } }, additionalProperties: false },
                { type: "object", required: ["email"], properties: { email: { type: "string", format: "email" } }, additionalProperties: false },
                { type: "object", required: ["id"], properties: { id: { type: "string", format: "uuid" } }, additionalProperties: false },
              ],
            },
            amountCents: {
              description: `The amount in cents, 1 to ${MAX_AMOUNT_CENTS}: a JSON integer or a string of digits (never fractional).`,
              oneOf: [{ type: "integer", minimum: 1, maximum: Number(MAX_AMOUNT_CENTS) }, digits("cents")],
            },
            currency: { type: "string", enum: ["EUR"] },
            orderId: { type: "string", minLength: 1, maxLength: 128, pattern: "^[\\x20-\\x7e]+$", description: "Unique per merchant; may not end with #referral." },
          },
        },
        BreakdownLine: {
          type: "object",
          required: ["rule", "points", "detail"],
          properties: { rule: { type: "string", enum: ["base", "tier", "cashback", "campaign"] }, points: digits("points"), detail: { type: "string" }, campaignId: { type: "string", format: "uuid" } },
        },
        Purchase: {
          type: "object",
          required: ["purchaseId", "orderId", "status", "member", "amountCents", "currency", "points", "breakdown", "txHash", "blockNumber"],
          properties: {
            purchaseId: { type: "string", format: "uuid" },
            orderId: { type: "string" },
            status: { type: "string", enum: ["pending", "issued", "failed"] },
            member: {
              description: "The member's address when the request named the member by address; for a member named by email or id only how it was named (the API never turns an email or id into a wallet address).",
              type: "object",
              properties: { address: { type: "string" }, given: { type: "string", enum: ["email", "id"] } },
            },
            amountCents: digits("cents"),
            currency: { type: "string" },
            points: { ...digits("points issued to the member (sum of the breakdown)"), type: ["string", "null"] },
            breakdown: { type: ["array", "null"], items: { $ref: "#/components/schemas/BreakdownLine" } },
            referral: {
              type: ["object", "null"],
              description: "On the member's first purchase in the coalition, the referrer's bonus (a separate issuance).",
              properties: { referrer: { type: "string" }, points: digits("points"), txHash: { type: ["string", "null"] }, status: { type: ["string", "null"] } },
            },
            ref: { type: "string", description: "The on-chain issuance ref" },
            txHash: { type: ["string", "null"], description: "Null when the purchase earned 0 points" },
            blockNumber: { type: ["string", "null"] },
            refundedPoints: digits("points clawed back so far"),
            replayed: { type: "boolean" },
            createdAt: { type: "string", format: "date-time" },
          },
        },
        Refund: {
          type: "object",
          required: ["orderId", "clawedBack", "notClawedBack"],
          properties: {
            orderId: { type: "string" },
            purchaseId: { type: "string" },
            points: digits("points the purchase issued"),
            alreadyRefunded: digits("points clawed back before this request"),
            clawedBack: digits("points clawed back by this request"),
            notClawedBack: digits("points of the purchase still not clawed back"),
            reason: { type: ["string", "null"], enum: ["member_spent_points", "already_refunded", "nothing_issued", null] },
            txHash: { type: ["string", "null"] },
            blockNumber: { type: "string" },
          },
        },
      },
    },
  };
}
