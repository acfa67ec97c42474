import { useEffect } from "react";
import { useTranslation } from "react-i18next";

/** Names the browser tab after the page, so that each route is announced and findable in history. */
export function usePageTitle(title: string | undefined): void {
  const { t } = useTranslation();
  const product = t("app.name");
  useEffect(() => {
    document.title = title ? `${title} · ${product}` : product;
  }, [title, product]);
}
