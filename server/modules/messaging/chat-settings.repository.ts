import type { Kysely, Selectable } from "kysely";
import type { ChatSettingTable, Database } from "../../db/schema.js";

/** What an instance's owner set for one chat. */
export interface ChatSettings {
  chatId: string;
  isArchived: boolean;
  /** Seconds; 0 when messages do not disappear. */
  ephemeralExpiration: number;
  /** When disappearing messages were last set (milliseconds), 0 when never. */
  ephemeralSetAt: number;
  /** The name saved in the address book; undefined when the chat is not in it. */
  contact: { firstName: string; lastName: string } | undefined;
}

export const NO_CHAT_SETTINGS: Omit<ChatSettings, "chatId"> = {
  isArchived: false,
  ephemeralExpiration: 0,
  ephemeralSetAt: 0,
  contact: undefined,
};

function toSettings(row: Selectable<ChatSettingTable>): ChatSettings {
  return {
    chatId: row.chat_id,
    isArchived: row.is_archived === 1,
    ephemeralExpiration: row.ephemeral_expiration,
    ephemeralSetAt: Number(row.ephemeral_set_at),
    contact: row.contact_first_name === null ? undefined : { firstName: row.contact_first_name, lastName: row.contact_last_name },
  };
}

type Changes = Partial<
  Pick<
    Selectable<ChatSettingTable>,
    "is_archived" | "ephemeral_expiration" | "ephemeral_set_at" | "contact_first_name" | "contact_last_name"
  >
>;

/** chat_setting: one row per chat an instance's owner set something for. */
export class ChatSettingsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async list(idInstance: number): Promise<ChatSettings[]> {
    const rows = await this.db.selectFrom("chat_setting").selectAll().where("id_instance", "=", idInstance).execute();
    return rows.map(toSettings);
  }

  async find(idInstance: number, chatId: string): Promise<ChatSettings | undefined> {
    const row = await this.db
      .selectFrom("chat_setting")
      .selectAll()
      .where("id_instance", "=", idInstance)
      .where("chat_id", "=", chatId)
      .executeTakeFirst();
    return row ? toSettings(row) : undefined;
  }

  /** Sets some of a chat's settings, creating its row when it has none. */
  async change(idInstance: number, chatId: string, changes: Changes): Promise<void> {
    await this.db
      .insertInto("chat_setting")
      .values({
        id_instance: idInstance,
        chat_id: chatId,
        is_archived: 0,
        ephemeral_expiration: 0,
        ephemeral_set_at: 0,
        contact_first_name: null,
        contact_last_name: "",
        ...changes,
      })
      .onConflict((conflict) => conflict.columns(["id_instance", "chat_id"]).doUpdateSet(changes))
      .execute();
  }
}
