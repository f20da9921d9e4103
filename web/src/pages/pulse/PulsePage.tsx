// Pulse (/pulse), the admins' observability dashboard: tabs "Runs", "Provider calls", "Metrics"
// and "Dead letters", the selected one kept in the URL (?tab=runs).
import type { ComponentType } from "react";
import { DeadLettersTab } from "./DeadLettersTab";
import { MetricsTab } from "./MetricsTab";
import { ProviderCallsTab } from "./ProviderCallsTab";
import { PulseTabs, panelId, tabId, type TabSpec } from "./PulseTabs";
import { RunsTab } from "./RunsTab";
import { usePulseParams } from "./usePulseParams";
import "./pulse.css";

export const PULSE_TABS = [
  { id: "runs", label: "Runs" },
  { id: "provider-calls", label: "Provider calls" },
  { id: "metrics", label: "Metrics" },
  { id: "dead-letters", label: "Dead letters" },
] as const satisfies readonly TabSpec<string>[];

export type PulseTab = (typeof PULSE_TABS)[number]["id"];

/** The tab of the URL's `tab` (the first one when absent or unknown). */
export function tabOf(value: string | null): PulseTab {
  return PULSE_TABS.find((tab) => tab.id === value)?.id ?? "runs";
}

const PANELS: Record<PulseTab, ComponentType> = {
  runs: RunsTab,
  "provider-calls": ProviderCallsTab,
  metrics: MetricsTab,
  "dead-letters": DeadLettersTab,
};

export default function PulsePage() {
  const { params, update } = usePulseParams();
  const selected = tabOf(params.get("tab"));
  const Panel = PANELS[selected];

  function select(tab: PulseTab) {
    if (tab === selected) return;
    // Each tab has its own filters: a new tab starts from none.
    const patch: Record<string, string | null> = Object.fromEntries([...params.keys()].map((key) => [key, null]));
    update({ ...patch, tab });
  }

  return (
    <div className="stack pulse">
      <h1>Pulse</h1>
      <PulseTabs tabs={PULSE_TABS} selected={selected} onSelect={select} label="Pulse sections" />
      <div role="tabpanel" id={panelId(selected)} aria-labelledby={tabId(selected)} tabIndex={0} className="pulse-panel">
        <Panel key={selected} />
      </div>
    </div>
  );
}
