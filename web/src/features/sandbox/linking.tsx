import { Trans } from "react-i18next";
import type { SandboxPhone } from "../../../../shared/sandbox.schemas.js";
import { linkInstance, openPhone } from "../../api/sandbox.js";

export interface LinkResult {
  number: string;
  /** The instance the code linked; undefined only if the phone was already linked to it. */
  idInstance: number | undefined;
  phone: SandboxPhone;
}

/** The code itself, whether the person typed a pairing code or pasted a whole QR link (…/sandbox?link=CODE). */
export function extractLinkCode(typed: string): string {
  const text = typed.trim();
  try {
    return new URL(text).searchParams.get("link") ?? text;
  } catch {
    return text;
  }
}

/** Opens the phone (creating it if new), links it with the code and tells which instance that linked. */
export async function linkWithCode(number: string, code: string): Promise<LinkResult> {
  const before = await openPhone(number);
  const phone = await linkInstance(number, code);
  const known = new Set(before.linkedInstances.map((instance) => instance.idInstance));
  const added = phone.linkedInstances.find((instance) => !known.has(instance.idInstance));
  return { number, phone, idInstance: added?.idInstance ?? phone.linkedInstances.at(-1)?.idInstance };
}

/** "Linked instance 1101000001 to +79001234567", the number kept left-to-right in any language. */
export function LinkedMessage({ result }: { result: LinkResult }) {
  return (
    <p className="alert alert-success">
      <Trans
        i18nKey="sandbox.linked"
        values={{ idInstance: result.idInstance ?? "", number: result.number }}
        components={{ number: <bdi dir="ltr" /> }}
      />
    </p>
  );
}
