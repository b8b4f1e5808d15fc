/**
 * Every command, from one table keyed by `CommandId`: one registration loop, and a compile error when an
 * id has no implementation. Commands return values so tests (and other extensions) can drive them.
 */
import * as vscode from 'vscode';
import { copySummary } from './commands/copySummary';
import { getState } from './commands/getState';
import { openPanel } from './commands/openPanel';
import { runBenchmark } from './commands/runBenchmark';
import type { Benchmarks } from './commands/runBenchmark';
import { selectSetting } from './commands/selectSetting';
import { setRuleSeverity } from './commands/setRuleSeverity';
import { analyzeHubModel, openHubConfig, setHubToken } from './hub/commands';
import { convertToGqa, type ConvertChoices } from './convert/convertCommand';
import { checkEngineLog } from './engines/checkEngineLog';
import { errorMessage } from './log';
import { CommandId } from './contributions/commandIds';
import type { Services } from './services';

type Command = (...args: unknown[]) => unknown;

/** The implementation of every command id. */
export function createCommands(services: Services, benchmarks: Benchmarks): Record<CommandId, Command> {
  return {
    [CommandId.OpenPanel]: (arg) => openPanel(services, arg),
    [CommandId.RunBenchmark]: (arg, request) => runBenchmark(services, benchmarks, arg, request as Parameters<typeof runBenchmark>[3]),
    [CommandId.CopySummary]: (arg) => copySummary(services, arg),
    [CommandId.SelectKvDtype]: (value) => selectSetting(services, 'kvDtype', value),
    [CommandId.SelectContext]: (value) => selectSetting(services, 'context', value),
    [CommandId.SelectBatch]: (value) => selectSetting(services, 'batch', value),
    [CommandId.SelectTensorParallel]: (value) => selectSetting(services, 'tensorParallel', value),
    [CommandId.SetRuleSeverity]: (code, severity) => setRuleSeverity(services, code, severity),
    [CommandId.ShowLog]: () => services.log.show(true),
    [CommandId.AnalyzeHubModel]: (arg) => analyzeHubModel(services, arg),
    [CommandId.SetHubToken]: (arg) => setHubToken(services, arg),
    [CommandId.CheckEngineLog]: (arg, config) => checkEngineLog(services, arg, config),
    [CommandId.OpenHubConfig]: (arg) => openHubConfig(arg),
    [CommandId.ConvertToGqa]: (arg, choices) => convertToGqa(services, arg, choices as ConvertChoices | undefined),
    [CommandId.GetState]: (arg) => getState(services, arg),
  };
}

/** Registers the table; a command that throws is logged and shown, then rethrown to its caller. */
export function registerCommands(services: Services, benchmarks: Benchmarks): vscode.Disposable[] {
  return Object.entries(createCommands(services, benchmarks)).map(([id, run]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await run(...args);
      } catch (error) {
        services.log.error(`command ${id} failed`, error instanceof Error ? error : new Error(String(error)));
        void vscode.window.showErrorMessage(`KV Lens: ${errorMessage(error)}`);
        throw error;
      }
    }),
  );
}
