import type { InstanceState } from "../../../shared/green-api.js";
import type { Clock } from "../../clock.js";
import type { ConnectorEvents, DeliveryStatus, MessageEdit, MessageFile, NetworkMessage, PollVote } from "../../connectors/connector.js";
import type { ConnectorRegistry } from "../../connectors/connector-registry.js";
import type { Instance, StoredMessage } from "./instance.js";
import type { InstancesRepository } from "./instances.repository.js";
import type { MessagesRepository } from "./messages.repository.js";
import type { NotificationQueue } from "./notification-queue.js";
import type { PollVotesRepository } from "./poll-votes.repository.js";
import { phoneOf } from "./ids.js";
import { withFileCopy } from "./file-message.js";
import { deletedContent, deletedMessageData, editedContent, editedMessageData } from "./message-changes.js";

/** What the lifecycle needs of the media files: each instance keeps its own copy of a file it receives. */
export interface FileCopies {
  share(id: string, owner: { userId: string; idInstance: number }, options: { received: true }): Promise<MessageFile | undefined>;
  remove(id: string): Promise<void>;
}

/** Polls reach the owner only with pollMessageWebhook on too, whichever way they go, as GREEN-API's do. */
function isPollHeldBy(instance: Instance, message: NetworkMessage): boolean {
  return message.typeMessage === "pollMessage" && instance.settings.pollMessageWebhook !== "yes";
}

/** A poll's fields in the journal, as sendPoll wrote them. */
interface PollMessageData {
  name: string;
  options: Array<{ optionName: string }>;
  multipleAnswers: boolean;
}

/** How long an instance stays "starting" after linking, a reboot or new settings. */
export const STARTING_MS = 1_500;

/** Statuses only move forward: a late "delivered" never undoes "read". */
const PROGRESSION: readonly DeliveryStatus[] = ["sent", "delivered", "read"];
const STATUS_RANK: Record<string, number> = { queued: 0, pending: 0, sent: 1, delivered: 2, read: 3, noAccount: 4, failed: 4 };

/** A message from the network as the journal keeps it. */
export function storedFromNetwork(
  message: NetworkMessage,
  direction: "incoming" | "outgoing",
  fields: { status: string; sendByApi: boolean },
): StoredMessage {
  return {
    idMessage: message.idMessage,
    direction,
    chatId: message.chatId,
    senderId: message.senderId,
    senderName: message.senderName,
    typeMessage: message.typeMessage,
    journal: message.journal,
    messageData: message.messageData,
    status: fields.status,
    sendByApi: fields.sendByApi,
    sendMethod: null,
    request: null,
    createdAt: message.timestamp,
    ...(message.file ? { file: message.file } : {}),
  };
}

/**
 * The instance's state machine and what connectors report, turned into its state, its
 * journal and its notifications, each notification gated by the instance's settings exactly
 * as GREEN-API's flags gate them.
 */
export class InstanceLifecycle implements ConnectorEvents {
  private connectors: ConnectorRegistry | undefined;

  constructor(
    private readonly deps: {
      instances: InstancesRepository;
      messages: MessagesRepository;
      notifications: NotificationQueue;
      pollVotes: PollVotesRepository;
      clock: Clock;
      files: FileCopies;
    },
  ) {}

  /**
   * Journals a message from the network once, with the instance's own copy of its file (its
   * own link and lifetime); answers the message as journaled, or undefined when it already was.
   */
  private async journalOnce(
    instance: Instance,
    received: NetworkMessage,
    direction: "incoming" | "outgoing",
    fields: { status: string; sendByApi: boolean },
  ): Promise<NetworkMessage | undefined> {
    const copy = received.file
      ? await this.deps.files.share(received.file.id, { userId: instance.userId, idInstance: instance.idInstance }, { received: true })
      : undefined;
    const message = received.file ? withFileCopy(received, copy) : received;
    if (await this.deps.messages.insertOnce(instance.idInstance, storedFromNetwork(message, direction, fields))) return message;
    // Delivered twice: the first delivery's copy is the one the journal holds.
    if (copy) await this.deps.files.remove(copy.id);
    return undefined;
  }

  /** Connectors report events and events call connectors (auto-read): tied after both exist. */
  attach(connectors: ConnectorRegistry): void {
    this.connectors = connectors;
  }

  private instanceData(instance: Instance) {
    return {
      idInstance: instance.idInstance,
      wid: instance.wid,
      typeInstance: this.connectors?.for(instance).typeInstance ?? "whatsapp",
    };
  }

  private async notify(instance: Instance, typeWebhook: string, fields: Record<string, unknown>, timestamp = this.deps.clock.now()) {
    await this.deps.notifications.push(instance.idInstance, {
      typeWebhook,
      instanceData: this.instanceData(instance),
      timestamp: Math.floor(timestamp / 1000),
      ...fields,
    });
  }

  /**
   * The console's "Send test notification": a stateInstanceChanged with the current state, a
   * shape every receiver already parses, queued whatever the instance's switches say.
   */
  async notifyTest(instance: Instance): Promise<number> {
    return this.deps.notifications.push(instance.idInstance, {
      typeWebhook: "stateInstanceChanged",
      instanceData: this.instanceData(instance),
      timestamp: Math.floor(this.deps.clock.now() / 1000),
      stateInstance: instance.state,
    });
  }

  /** Moves an instance to a state, records it and tells the owner when stateWebhook is on. */
  async changeState(
    instance: Instance,
    state: InstanceState,
    changes: { wid?: string; settlesAt?: number | null } = {},
    options: { onlyIfUnchanged?: boolean } = {},
  ): Promise<Instance> {
    const now = this.deps.clock.now();
    const wid = changes.wid ?? instance.wid;
    const stateSettlesAt = changes.settlesAt === undefined ? instance.stateSettlesAt : changes.settlesAt;
    const updated: Instance = { ...instance, state, wid, stateSettlesAt };
    const write = { state, ...(changes.wid !== undefined ? { wid } : {}), stateSettlesAt, now };
    if (options.onlyIfUnchanged) {
      // An automatic change (the end of "starting") yields to anything a person did meanwhile.
      const changed = await this.deps.instances.setStateIfUnchanged(instance, write);
      if (!changed) return (await this.deps.instances.find(instance.idInstance)) ?? instance;
    } else {
      // What a person asks for (logout, reboot, link) applies whatever happened meanwhile.
      await this.deps.instances.setState(instance.idInstance, write);
    }
    if (state !== instance.state) {
      await this.deps.instances.recordState(instance.idInstance, state, phoneOf(wid), now);
      if (instance.settings.stateWebhook === "yes") {
        await this.notify(updated, "stateInstanceChanged", { stateInstance: state });
      }
    }
    return updated;
  }

  /** Reboot, new settings and linking pass through "starting". */
  async restart(instance: Instance, wid?: string): Promise<Instance> {
    return this.changeState(instance, "starting", {
      ...(wid !== undefined ? { wid } : {}),
      settlesAt: this.deps.clock.now() + STARTING_MS,
    });
  }

  private settling: Promise<void> | undefined;

  /** Ends every "starting" phase that is due; overlapping calls share one pass. */
  settle(): Promise<void> {
    this.settling ??= this.settleDue().finally(() => {
      this.settling = undefined;
    });
    return this.settling;
  }

  private async settleDue(): Promise<void> {
    for (const instance of await this.deps.instances.listSettling(this.deps.clock.now())) {
      await this.changeState(instance, instance.wid ? "authorized" : "notAuthorized", { settlesAt: null }, { onlyIfUnchanged: true });
    }
  }

  async linked(idInstance: number, wid: string): Promise<void> {
    const instance = await this.deps.instances.find(idInstance);
    if (instance) await this.restart(instance, wid);
  }

  async unlinked(idInstance: number): Promise<void> {
    const instance = await this.deps.instances.find(idInstance);
    if (instance) await this.changeState(instance, "notAuthorized", { wid: "", settlesAt: null });
  }

  async incomingMessage(idInstance: number, received: NetworkMessage): Promise<void> {
    const instance = await this.deps.instances.find(idInstance);
    // A linked instance that is restarting still gets what arrives meanwhile.
    if (!instance?.wid) return;
    const message = await this.journalOnce(instance, received, "incoming", { status: "", sendByApi: false });
    if (!message) return;
    if (instance.settings.incomingWebhook === "yes" && !isPollHeldBy(instance, message)) {
      await this.notify(
        instance,
        "incomingMessageReceived",
        {
          idMessage: message.idMessage,
          senderData: {
            chatId: message.chatId,
            chatName: message.senderName,
            sender: message.senderId,
            senderName: message.senderName,
            senderContactName: "",
          },
          messageData: message.messageData,
        },
        message.timestamp,
      );
    }
    if (instance.settings.markIncomingMessagesReaded === "yes") {
      await this.connectors?.for(instance).readChat(instance, message.chatId, message.idMessage);
    }
  }

  async outgoingFromPhone(idInstance: number, sent: NetworkMessage): Promise<void> {
    const instance = await this.deps.instances.find(idInstance);
    if (!instance?.wid) return;
    const message = await this.journalOnce(instance, sent, "outgoing", { status: "sent", sendByApi: false });
    if (message && instance.settings.outgoingMessageWebhook === "yes" && !isPollHeldBy(instance, message)) {
      await this.notify(instance, "outgoingMessageReceived", ownMessageFields(instance, message), message.timestamp);
    }
  }

  /** After the API's own message left: outgoingAPIMessageReceived, when enabled. */
  async apiMessageSent(instance: Instance, message: NetworkMessage): Promise<void> {
    if (instance.settings.outgoingAPIMessageWebhook === "yes" && !isPollHeldBy(instance, message)) {
      await this.notify(instance, "outgoingAPIMessageReceived", ownMessageFields(instance, message), message.timestamp);
    }
  }

  /**
   * A message changed by its sender on the network: the journal takes the change, and the owner
   * hears of it when the setting asks for it (an incoming message's change as incomingMessageReceived,
   * the linked phone's own as outgoingMessageReceived).
   */
  private async messageChanged(
    idInstance: number,
    change: { chatId: string; idMessage: string; timestamp: number },
    direction: "incoming" | "outgoing",
    applies: (content: { journal: Record<string, unknown>; messageData: Record<string, unknown> }) => {
      journal: Record<string, unknown>;
      messageData: Record<string, unknown>;
    },
    notification: { enabledBy: "editedMessageWebhook" | "deletedMessageWebhook"; messageData: Record<string, unknown> },
  ): Promise<void> {
    const instance = await this.deps.instances.find(idInstance);
    if (!instance?.wid) return;
    if (!(await this.deps.messages.changeContent(idInstance, change.chatId, change.idMessage, direction, applies))) return;
    // As any message of its direction, and its own switch on too.
    const directionSwitch = direction === "incoming" ? "incomingWebhook" : "outgoingMessageWebhook";
    if (instance.settings[notification.enabledBy] !== "yes" || instance.settings[directionSwitch] !== "yes") return;
    const sender = direction === "incoming" ? change.chatId : instance.wid;
    await this.notify(
      instance,
      direction === "incoming" ? "incomingMessageReceived" : "outgoingMessageReceived",
      {
        idMessage: change.idMessage,
        senderData: { chatId: change.chatId, chatName: "", sender, senderName: "", senderContactName: "" },
        messageData: notification.messageData,
      },
      change.timestamp,
    );
  }

  /**
   * A vote in one of the instance's polls: kept as the voter's current choice, and told as
   * pollUpdateMessage with every option's voters (incomingWebhook and pollMessageWebhook on).
   */
  async pollVoted(idInstance: number, vote: PollVote): Promise<void> {
    const instance = await this.deps.instances.find(idInstance);
    if (!instance?.wid) return;
    const poll = await this.deps.messages.find(idInstance, vote.chatId, vote.idMessage);
    const data = poll?.direction === "outgoing" ? (poll.journal.pollMessageData as PollMessageData | undefined) : undefined;
    if (!data) return;
    const choices = await this.deps.pollVotes.vote(idInstance, vote.idMessage, vote.voter, vote.options, vote.timestamp);
    if (instance.settings.incomingWebhook !== "yes" || instance.settings.pollMessageWebhook !== "yes") return;
    const votes = data.options.map(({ optionName }) => ({
      optionName,
      optionVoters: [...choices].filter(([, chosen]) => chosen.includes(optionName)).map(([voter]) => voter),
    }));
    await this.notify(
      instance,
      "incomingMessageReceived",
      {
        idMessage: vote.voteId,
        senderData: { chatId: vote.chatId, chatName: "", sender: vote.voter, senderName: "", senderContactName: "" },
        messageData: {
          typeMessage: "pollUpdateMessage",
          pollMessageData: { stanzaId: vote.idMessage, name: data.name, votes, multipleAnswers: data.multipleAnswers },
        },
      },
      vote.timestamp,
    );
  }

  async messageEdited(idInstance: number, edit: MessageEdit, direction: "incoming" | "outgoing"): Promise<void> {
    await this.messageChanged(idInstance, edit, direction, (content) => editedContent(content, edit.text, edit.editId), {
      enabledBy: "editedMessageWebhook",
      messageData: editedMessageData(edit.text, edit.idMessage),
    });
  }

  async messageDeleted(
    idInstance: number,
    deletion: { chatId: string; idMessage: string; timestamp: number },
    direction: "incoming" | "outgoing",
  ): Promise<void> {
    await this.messageChanged(idInstance, deletion, direction, (content) => deletedContent(content, deletion.idMessage), {
      enabledBy: "deletedMessageWebhook",
      messageData: deletedMessageData(deletion.idMessage),
    });
  }

  async chatRead(idInstance: number, chatId: string, idMessage?: string): Promise<string[]> {
    return this.deps.messages.markIncomingRead(idInstance, chatId, idMessage);
  }

  /**
   * Moves a sent message's status forward to `status`, through every step before it (sent,
   * delivered, read), telling the owner of each step once. Each step is a conditional update
   * from a lower status, so concurrent reports never move a status back or repeat one.
   */
  async statusChanged(idInstance: number, idMessage: string, status: DeliveryStatus): Promise<void> {
    const instance = await this.deps.instances.find(idInstance);
    if (!instance) return;
    // noAccount and failed always reach the owner; the rest only with outgoingWebhook on.
    const isFinalFailure = status === "noAccount" || status === "failed";
    const steps = isFinalFailure ? [status] : PROGRESSION.slice(0, PROGRESSION.indexOf(status) + 1);
    for (const step of steps) {
      const lower = Object.keys(STATUS_RANK).filter((other) => STATUS_RANK[other]! < STATUS_RANK[step]!);
      const message = await this.deps.messages.advanceOutgoingStatus(idInstance, idMessage, step, lower);
      if (!message) continue;
      if (isFinalFailure || instance.settings.outgoingWebhook === "yes") {
        await this.notify(instance, "outgoingMessageStatus", {
          chatId: message.chatId,
          idMessage,
          status: step,
          sendByApi: message.sendByApi,
        });
      }
    }
  }
}

function ownMessageFields(instance: Instance, message: NetworkMessage) {
  return {
    idMessage: message.idMessage,
    senderData: {
      chatId: message.chatId,
      chatName: "",
      sender: instance.wid,
      senderName: "",
      senderContactName: "",
    },
    messageData: message.messageData,
  };
}
