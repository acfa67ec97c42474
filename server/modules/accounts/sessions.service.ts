import type { Clock } from "../../clock.js";
import { createSessionToken, sha256Hex } from "../../security/tokens.js";
import type { RequestOrigin } from "../audit/audit.repository.js";
import { ACCOUNT_POLICY } from "./accounts.policy.js";
import type { SessionRow, SessionsRepository } from "./sessions.repository.js";

export interface IssuedSession {
  token: string;
  /** Seconds the cookie should live; undefined for a cookie that ends with the browser. */
  cookieMaxAgeSeconds: number | undefined;
}

export interface ValidSession {
  row: SessionRow;
  /** Set when a remembered session was extended and its cookie should be sent again. */
  renewedCookieMaxAgeSeconds?: number;
}

export class SessionsService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly clock: Clock,
  ) {}

  async issue(options: {
    userId: string;
    isPersistent: boolean;
    temporaryPasswordId: string | null;
    origin: RequestOrigin;
  }): Promise<IssuedSession> {
    const token = createSessionToken();
    const now = this.clock.now();
    const lifetime = options.isPersistent ? ACCOUNT_POLICY.rememberedSessionMs : ACCOUNT_POLICY.browserSessionMs;
    await this.sessions.create({
      token_hash: sha256Hex(token),
      user_id: options.userId,
      is_persistent: options.isPersistent ? 1 : 0,
      created_at: now,
      last_seen_at: now,
      expires_at: now + lifetime,
      temporary_password_id: options.temporaryPasswordId,
      ip: options.origin.ip.slice(0, 64),
      user_agent: options.origin.userAgent.slice(0, 512),
    });
    return { token, cookieMaxAgeSeconds: options.isPersistent ? lifetime / 1000 : undefined };
  }

  /** Finds the live session of a cookie token; remembered sessions slide forward. */
  async validate(token: string): Promise<ValidSession | undefined> {
    const tokenHash = sha256Hex(token);
    const row = await this.sessions.findByTokenHash(tokenHash);
    const now = this.clock.now();
    if (!row) return undefined;
    if (row.expires_at <= now) {
      await this.sessions.delete(tokenHash);
      return undefined;
    }
    if (row.is_persistent === 1 && now - row.last_seen_at >= ACCOUNT_POLICY.sessionExtendEveryMs) {
      const expiresAt = now + ACCOUNT_POLICY.rememberedSessionMs;
      await this.sessions.extend(tokenHash, now, expiresAt);
      return {
        row: { ...row, last_seen_at: now, expires_at: expiresAt },
        renewedCookieMaxAgeSeconds: ACCOUNT_POLICY.rememberedSessionMs / 1000,
      };
    }
    return { row };
  }

  async end(tokenHash: string): Promise<void> {
    await this.sessions.delete(tokenHash);
  }

  async endAllOthers(userId: string, keepTokenHash?: string): Promise<void> {
    await this.sessions.deleteAllForUser(userId, keepTokenHash);
  }
}
