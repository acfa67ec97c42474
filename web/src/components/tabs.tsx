import { useRef } from "react";
import type { KeyboardEvent, ReactNode } from "react";

export interface TabItem<Id extends string> {
  id: Id;
  label: string;
}

export function tabId(prefix: string, id: string): string {
  return `${prefix}-tab-${id}`;
}

export function tabPanelId(prefix: string, id: string): string {
  return `${prefix}-panel-${id}`;
}

interface TabListProps<Id extends string> {
  /** Names the tab list for assistive technology. */
  label: string;
  /** Prefix of the tabs' and panels' element ids. */
  idPrefix: string;
  tabs: readonly TabItem<Id>[];
  selected: Id;
  onSelect: (id: Id) => void;
}

/**
 * The WAI-ARIA tabs pattern with automatic activation: one tab stop, arrow keys (mirrored in a
 * right-to-left page), Home and End move between tabs. Render only the selected tab's <TabPanel>.
 */
export function TabList<Id extends string>({ label, idPrefix, tabs, selected, onSelect }: TabListProps<Id>) {
  const listRef = useRef<HTMLDivElement>(null);

  function move(event: KeyboardEvent<HTMLDivElement>) {
    const index = tabs.findIndex((tab) => tab.id === selected);
    const rtl = getComputedStyle(event.currentTarget).direction === "rtl";
    const forward = rtl ? "ArrowLeft" : "ArrowRight";
    const backward = rtl ? "ArrowRight" : "ArrowLeft";
    let next: number;
    if (event.key === forward) next = (index + 1) % tabs.length;
    else if (event.key === backward) next = (index - 1 + tabs.length) % tabs.length;
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = tabs.length - 1;
    else return;
    event.preventDefault();
    const tab = tabs[next];
    if (!tab) return;
    onSelect(tab.id);
    listRef.current?.querySelector<HTMLElement>(`#${CSS.escape(tabId(idPrefix, tab.id))}`)?.focus();
  }

  return (
    <div ref={listRef} role="tablist" aria-label={label} className="inner-tabs" onKeyDown={move}>
      {tabs.map((tab) => {
        const isSelected = tab.id === selected;
        return (
          <button
            key={tab.id}
            id={tabId(idPrefix, tab.id)}
            type="button"
            role="tab"
            className="inner-tab"
            aria-selected={isSelected}
            // Only the selected tab's panel is rendered, so only that tab may point at it.
            aria-controls={isSelected ? tabPanelId(idPrefix, tab.id) : undefined}
            tabIndex={isSelected ? 0 : -1}
            onClick={() => onSelect(tab.id)}
          >
            {tab.label}
          </button>
        );
      })}
    </div>
  );
}

export function TabPanel({ idPrefix, id, children }: { idPrefix: string; id: string; children: ReactNode }) {
  return (
    <div role="tabpanel" id={tabPanelId(idPrefix, id)} aria-labelledby={tabId(idPrefix, id)} className="tab-panel">
      {children}
    </div>
  );
}
