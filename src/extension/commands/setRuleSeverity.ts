/** "Set Rule Severity": changes `kvLens.ruleSeverities` for one rule (the "turn this rule off" quick fix uses it). */
import * as vscode from 'vscode';
import type { RuleSeverity } from '../../core/settings';
import { RULE_SEVERITIES } from '../settingsReader';
import type { Services } from '../services';

/** Sets `code` to `severity` (asking for what is missing); resolves to the severity set, or undefined. */
export async function setRuleSeverity(services: Services, code?: unknown, severity?: unknown): Promise<RuleSeverity | undefined> {
  const rule = typeof code === 'string' && code ? code : await vscode.window.showInputBox({ title: 'KV Lens rule code', placeHolder: 'kv-lens.kv-heads-not-divisor' });
  if (!rule) return undefined;
  const level = severity !== undefined ? severity : await vscode.window.showQuickPick([...RULE_SEVERITIES], { title: `Severity of ${rule}` });
  if (level === undefined) return undefined;
  if (!(RULE_SEVERITIES as readonly unknown[]).includes(level)) {
    void vscode.window.showErrorMessage(`KV Lens: severity must be one of ${RULE_SEVERITIES.join(', ')}`);
    return undefined;
  }
  const next = { ...services.settings.value.ruleSeverities, [rule]: level as RuleSeverity };
  await services.settings.update('ruleSeverities', next);
  return level as RuleSeverity;
}
