import { request, type Dispatcher } from "undici";
import type { LookupAddress, LookupAllOptions } from "node:dns";
import type { LookupFunction } from "node:net";
import {
  checkUrl,
  createGuardedDispatcher,
  describeOutboundFailure,
  findOutboundRefusal,
  type OutboundPolicy,
  type UrlCheck,
} from "../security/outbound-guard.js";

/** One POST of a notification to a webhookUrl. */
export interface WebhookRequest {
  url: string;
  /** Every header of the attempt: content type, Authorization, the Standard Webhooks three. */
  headers: Record<string, string>;
  body: string;
}

export type WebhookOutcome =
  | { kind: "delivered"; statusCode: number; latencyMs: number }
  /** 410 Gone: the receiver asks not to be called again. */
  | { kind: "gone"; statusCode: number; latencyMs: number }
  | { kind: "failed"; statusCode: number | null; latencyMs: number; error: string; retryAfterMs: number | undefined }
  /** The address is one the server may not reach (loopback, private…), found when connecting. */
  | { kind: "refused"; latencyMs: number; error: string };

/** Only this much of an answer is read: the status is what counts. */
const MAX_ANSWER_BYTES = 64 * 1024;
/** Past this a Retry-After is not waited for: the regular schedule is. */
const MAX_RETRY_AFTER_MS = 60 * 60_000;

/**
 * Posts notifications through a dispatcher that checks every connection's address (undici,
 * keep-alive). Redirects are not followed; an answer is read up to 64 KiB; each attempt ends
 * after `timeoutMs`.
 */
export class WebhookSender {
  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly timeoutMs: number,
  ) {}

  /** `signal` cuts the attempt short (the server stopping). */
  async send(attempt: WebhookRequest, signal?: AbortSignal): Promise<WebhookOutcome> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    try {
      const answer = await request(attempt.url, {
        method: "POST",
        headers: attempt.headers,
        body: attempt.body,
        dispatcher: this.dispatcher,
        signal: signal ? AbortSignal.any([AbortSignal.timeout(this.timeoutMs), signal]) : AbortSignal.timeout(this.timeoutMs),
      });
      await readAtMost(answer.body, MAX_ANSWER_BYTES);
      const statusCode = answer.statusCode;
      if (statusCode >= 200 && statusCode < 300) return { kind: "delivered", statusCode, latencyMs: latency() };
      if (statusCode === 410) return { kind: "gone", statusCode, latencyMs: latency() };
      return {
        kind: "failed",
        statusCode,
        latencyMs: latency(),
        error: statusCode >= 300 && statusCode < 400 ? "redirects are not followed" : `answered ${statusCode}`,
        retryAfterMs: retryAfterMs(answer.headers["retry-after"], Date.now()),
      };
    } catch (error) {
      const message = describeOutboundFailure(error, this.timeoutMs);
      if (findOutboundRefusal(error)) return { kind: "refused", latencyMs: latency(), error: message };
      return { kind: "failed", statusCode: null, latencyMs: latency(), error: message, retryAfterMs: undefined };
    }
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}

async function readAtMost(body: Dispatcher.ResponseData["body"], limit: number): Promise<void> {
  let read = 0;
  // Leaving the loop early ends the iteration, which destroys the body quietly.
  for await (const chunk of body) {
    read += (chunk as Buffer).length;
    if (read > limit) return;
  }
}

/** Retry-After in seconds or as an HTTP date; undefined when absent, unreadable or far off. */
export function retryAfterMs(value: string | string[] | undefined, now: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  const ms = /^\d+$/.test(text.trim()) ? Number(text.trim()) * 1000 : Date.parse(text) - now;
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined;
}

/** The sender and the save-time check of webhook URLs, both under one address policy (and one resolver). */
export function createWebhookTransport(options: {
  policy: OutboundPolicy;
  timeoutMs: number;
  /** dns.lookup by default; tests give a resolver of their own (DNS rebinding). */
  lookup?: LookupFunction;
}): { sender: WebhookSender; checkUrl: (url: string) => Promise<UrlCheck> } {
  const { policy, lookup } = options;
  const dispatcher = createGuardedDispatcher(policy, {
    ...(lookup ? { lookup } : {}),
    connectTimeoutMs: Math.min(options.timeoutMs, 10_000),
  });
  const resolve = lookup
    ? (hostname: string, lookupOptions: LookupAllOptions) =>
        new Promise<LookupAddress[]>((resolved, rejected) =>
          (
            lookup as unknown as (
              host: string,
              opts: LookupAllOptions,
              done: (error: Error | null, addresses: LookupAddress[]) => void,
            ) => void
          )(hostname, lookupOptions, (error, addresses) => (error ? rejected(error) : resolved(addresses))),
        )
    : undefined;
  return {
    sender: new WebhookSender(dispatcher, options.timeoutMs),
    checkUrl: (url) => checkUrl(url, policy, resolve),
  };
}
