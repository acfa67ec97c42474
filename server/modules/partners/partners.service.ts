import { randomBytes } from "node:crypto";
import type { Clock } from "../../clock.js";
import type { SecretBox } from "../../security/secret-box.js";
import { sha256Hex } from "../../security/tokens.js";
import type { AuditRepository, RequestOrigin } from "../audit/audit.repository.js";
import type { PartnerTokensRepository } from "./partner-tokens.repository.js";

/**
 * Partner tokens: one per account, for the partner API (list, create and delete the account's
 * instances). Kept as instance tokens are: compared by hash, sealed at rest, revealed to the
 * owner only, each reveal and rotation audited.
 */
export class PartnersService {
  constructor(
    private readonly deps: {
      tokens: PartnerTokensRepository;
      secretBox: SecretBox;
      audit: AuditRepository;
      clock: Clock;
      publicUrl: string;
    },
  ) {}

  async view(userId: string): Promise<{ partnerApiUrl: string; hasToken: boolean }> {
    return { partnerApiUrl: this.deps.publicUrl, hasToken: (await this.deps.tokens.findSealed(userId)) !== undefined };
  }

  /** The account's first token; undefined when it has one already (made meanwhile elsewhere: nothing is replaced). */
  async create(userId: string, origin: RequestOrigin): Promise<string | undefined> {
    return this.issue(userId, origin, (hash, sealed, now) => this.deps.tokens.insertIfNone(userId, hash, sealed, now));
  }

  /** A new token for the account; the one before stops working with this write. */
  async rotate(userId: string, origin: RequestOrigin): Promise<string> {
    const token = await this.issue(userId, origin, async (hash, sealed, now) => {
      await this.deps.tokens.set(userId, hash, sealed, now);
      return true;
    });
    return token!;
  }

  private async issue(
    userId: string,
    origin: RequestOrigin,
    store: (tokenHash: string, tokenSealed: string, now: number) => Promise<boolean>,
  ): Promise<string | undefined> {
    // 50 lower-case hex characters, as GREEN-API's tokens: 200 random bits.
    const token = randomBytes(25).toString("hex");
    const now = this.deps.clock.now();
    if (!(await store(sha256Hex(token), this.deps.secretBox.seal(token), now))) return undefined;
    await this.deps.audit.record({ event: "partner_token_rotated", userId, origin, occurredAt: now });
    return token;
  }

  /** The account's token, or undefined when it has none. */
  async reveal(userId: string, origin: RequestOrigin): Promise<string | undefined> {
    const sealed = await this.deps.tokens.findSealed(userId);
    if (sealed === undefined) return undefined;
    await this.deps.audit.record({ event: "partner_token_revealed", userId, origin, occurredAt: this.deps.clock.now() });
    return this.deps.secretBox.open(sealed);
  }

  /** The account a presented token belongs to (compared by hash), unless it is disabled. */
  authenticate(token: string): Promise<string | undefined> {
    return /^[0-9a-f]{50}$/i.test(token) ? this.deps.tokens.findActiveUser(sha256Hex(token.toLowerCase())) : Promise.resolve(undefined);
  }
}
