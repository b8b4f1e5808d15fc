/**
 * The `kvLens.*` settings, read and validated in one place, kept current through
 * `onDidChangeConfiguration`. Every setting applies live: listeners get the new values and what changed.
 */
import * as vscode from 'vscode';
import type { KvLensSettings } from '../core/settings';
import type { Log } from './log';
import { SETTINGS_SECTION, changedKeys, readSettings, settingIds } from './settingsReader';

/** A settings change: the new values and the keys whose values differ. */
export interface SettingsChange {
  settings: KvLensSettings;
  changed: (keyof KvLensSettings)[];
}

/** The live settings. */
export class Settings implements vscode.Disposable {
  private current: KvLensSettings;
  private readonly emitter = new vscode.EventEmitter<SettingsChange>();
  private readonly subscription: vscode.Disposable;
  /** Fires after the settings changed, with the new values. */
  readonly onDidChange = this.emitter.event;

  constructor(private readonly log: Log) {
    this.current = this.read();
    this.subscription = vscode.workspace.onDidChangeConfiguration((event) => {
      if (!settingIds().some((id) => event.affectsConfiguration(id))) return;
      const before = this.current;
      this.current = this.read();
      const changed = changedKeys(before, this.current);
      if (changed.length === 0) return;
      this.log.info(`settings changed: ${changed.join(', ')}`);
      this.emitter.fire({ settings: this.current, changed });
    });
  }

  /** The current settings. */
  get value(): KvLensSettings {
    return this.current;
  }

  /**
   * Changes one setting where the user keeps it: the workspace when it has its own value, else the user
   * settings. Resolves once VS Code has written it (and `onDidChange` has fired).
   */
  async update<K extends keyof KvLensSettings>(key: K, value: KvLensSettings[K]): Promise<void> {
    const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    const inspected = config.inspect(key);
    const target = inspected?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await config.update(key, value, target);
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }

  private read(): KvLensSettings {
    const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    const { settings, problems } = readSettings((key) => config.get<unknown>(key));
    for (const problem of problems) this.log.warn(problem);
    return settings;
  }
}
