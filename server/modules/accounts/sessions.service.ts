import Bowser from "bowser";
import type { AccountSession } from "../../../shared/accounts.schemas.js";
import type { Clock } from "../../clock.js";
import { createId, createSessionToken, sha256Hex } from "../../security/tokens.js";
import type { RequestOrigin } from "../audit/audit.repository.js";
import { ACCOUNT_POLICY } from "./accounts.policy.js";
import type { SessionRow, SessionsRepository } from "./sessions.repository.js";

export interface IssuedSession {
  token: string;
  /** Seconds the cookie should live; undefined for a cookie that ends with the browser. */
  cookieMaxAgeSeconds: number | undefined;
}

/** "Chrome 131 on Linux" from a user agent; "" when it names no browser. */
export function describeDevice(userAgent: string): string {
  if (!userAgent) return "";
  const parsed = Bowser.parse(userAgent);
  const browser = [parsed.browser.name, parsed.browser.version?.split(".")[0]].filter(Boolean).join(" ");
  const system = parsed.os.name ?? "";
  if (!browser) return system;
  return system ? `${browser} on ${system}` : browser;
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
      id: createId(),
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

  private hasEnded(row: SessionRow, now: number): boolean {
    if (row.expires_at <= now) return true;
    return row.is_persistent === 0 && now - row.last_seen_at >= ACCOUNT_POLICY.browserSessionIdleMs;
  }

  /**
   * The live session of a cookie token. Remembered sessions end 30 days after sign-in,
   * browser sessions after 12 hours or 2 idle hours, whichever comes first.
   */
  async validate(token: string): Promise<SessionRow | undefined> {
    const tokenHash = sha256Hex(token);
    const row = await this.sessions.findByTokenHash(tokenHash);
    const now = this.clock.now();
    if (!row) return undefined;
    if (this.hasEnded(row, now)) {
      await this.sessions.delete(tokenHash);
      return undefined;
    }
    if (now - row.last_seen_at >= ACCOUNT_POLICY.sessionTouchEveryMs) {
      await this.sessions.touch(tokenHash, now);
      return { ...row, last_seen_at: now };
    }
    return row;
  }

  async list(current: SessionRow): Promise<AccountSession[]> {
    const now = this.clock.now();
    const rows = await this.sessions.listForUser(current.user_id);
    return rows
      .filter((row) => !this.hasEnded(row, now))
      .map((row) => ({
        id: row.id,
        device: describeDevice(row.user_agent),
        ip: row.ip,
        createdAt: new Date(row.created_at).toISOString(),
        lastSeenAt: new Date(row.last_seen_at).toISOString(),
        expiresAt: new Date(
          row.is_persistent === 1 ? row.expires_at : Math.min(row.expires_at, row.last_seen_at + ACCOUNT_POLICY.browserSessionIdleMs),
        ).toISOString(),
        isPersistent: row.is_persistent === 1,
        isCurrent: row.token_hash === current.token_hash,
      }));
  }

  async end(tokenHash: string): Promise<void> {
    await this.sessions.delete(tokenHash);
  }

  endById(userId: string, id: string): Promise<boolean> {
    return this.sessions.deleteById(userId, id);
  }

  /** Ends every session of the person but the kept one; answers how many ended. */
  endAllOthers(userId: string, keepTokenHash?: string): Promise<number> {
    return this.sessions.deleteAllForUser(userId, keepTokenHash);
  }

  async deleteExpired(): Promise<void> {
    const now = this.clock.now();
    await this.sessions.deleteExpired(now, now - ACCOUNT_POLICY.browserSessionIdleMs);
  }
}
