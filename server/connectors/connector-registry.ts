import type { ConnectorKind, Instance } from "../modules/messaging/instance.js";
import type { MessengerConnector } from "./connector.js";

/** The connectors this server offers, by kind; each instance talks through the one it names. */
export class ConnectorRegistry {
  private readonly byKind = new Map<ConnectorKind, MessengerConnector>();

  /** Connectors report to the core and the core calls them: they are registered once both exist. */
  register(connector: MessengerConnector): void {
    this.byKind.set(connector.kind, connector);
  }

  /** The kinds a person may choose when creating an instance. */
  get kinds(): ConnectorKind[] {
    return [...this.byKind.keys()];
  }

  /** Whether the kind's instances hold a live session that must be started on the node that holds them. */
  hasLiveSessions(kind: ConnectorKind): boolean {
    return this.byKind.get(kind)?.hasLiveSessions ?? false;
  }

  for(instance: Instance): MessengerConnector {
    const connector = this.byKind.get(instance.connector);
    // An instance of a connector this server no longer offers cannot be served, but must not crash it.
    if (!connector) throw new Error(`connector ${instance.connector} is not enabled on this server`);
    return connector;
  }
}
