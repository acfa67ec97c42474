import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useLocation, useNavigate, useSearchParams } from "react-router";
import { usePageTitle } from "../../components/page-title.js";
import { LinkBox } from "./link-box.js";
import { LinkedMessage } from "./linking.js";
import type { LinkResult } from "./linking.js";
import { OpenPhoneForm } from "./open-phone-form.js";
import { PhonePanel } from "./phone-panel.js";
import { parsePhones, sandboxSearch } from "./sandbox-url.js";

/** Which panel should take the focus: the one just opened, or an already open one asked for again. */
interface FocusRequest {
  number: string;
  serial: number;
}

/** /sandbox: sandbox phones side by side; the open numbers live in the URL, so a reload restores them. */
export function SandboxPage() {
  const { t } = useTranslation();
  usePageTitle(t("sandbox.title"));
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const [searchParams] = useSearchParams();
  const phones = parsePhones(searchParams.get("phones"));
  const link = searchParams.get("link");
  const [linked, setLinked] = useState<LinkResult | null>(null);
  const [focus, setFocus] = useState<FocusRequest | null>(null);

  function go(nextPhones: readonly string[], nextLink: string | null) {
    navigate({ pathname, search: sandboxSearch(nextPhones, nextLink) }, { replace: true });
  }

  function open(number: string) {
    if (!phones.includes(number)) go([...phones, number], link);
    setFocus((previous) => ({ number, serial: (previous?.serial ?? 0) + 1 }));
  }

  function close(number: string) {
    go(
      phones.filter((open) => open !== number),
      link,
    );
  }

  function onLinkedFromBox(result: LinkResult) {
    setLinked(result);
    go(phones.includes(result.number) ? phones : [...phones, result.number], null);
  }

  // While a QR link waits and no phone is open, the link box asks for the number itself.
  const askingNumberInLinkBox = link !== null && phones.length === 0;

  return (
    <div className="console-section sandbox-page">
      <h1>{t("sandbox.title")}</h1>
      <p className="muted sandbox-intro">{t("sandbox.intro")}</p>
      <div role="status" className="status-region">
        {linked && <LinkedMessage result={linked} />}
      </div>
      {link !== null && <LinkBox code={link} phones={phones} onLinked={onLinkedFromBox} />}
      {!askingNumberInLinkBox && <OpenPhoneForm onOpened={open} />}
      {phones.length > 0 && (
        <div className="phones">
          {phones.map((number) => (
            <PhonePanel
              key={number}
              number={number}
              focusSerial={focus?.number === number ? focus.serial : 0}
              onClose={() => close(number)}
            />
          ))}
        </div>
      )}
    </div>
  );
}
