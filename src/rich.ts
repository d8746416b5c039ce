/**
 * The renderer of rich persona messages: tool calls (status, diffs with a file header that
 * opens the file, commands and their output), plans as checklists, and permission requests
 * with one button per option. It is a safe renderer: text only, never HTML from the data.
 */
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { answerPermission } from './api';
import { renderQuestion } from './question';
import type { IPermissionState, IPlanEntry, IRichMessage, IToolCall, IToolContent } from './types';
import { RICH_MIME } from './types';

const STATUS_ICONS: Record<string, string> = {
  pending: '⏳',
  in_progress: '🔄',
  completed: '✅',
  failed: '❌',
  cancelled: '⏹'
};
const PLAN_ICONS: Record<string, string> = { pending: '⬜', in_progress: '🔄', completed: '✅' };

export type OpenFile = (path: string) => void;

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function renderDiff(item: IToolContent, openFile: OpenFile): HTMLElement {
  const box = element('div', 'jp-AIPersonas-diff');
  const header = element('div', 'jp-AIPersonas-fileHeader');
  const link = element('a', 'jp-AIPersonas-fileLink', item.path ?? '');
  link.href = '#';
  link.title = `Open ${item.path}`;
  link.addEventListener('click', event => {
    event.preventDefault();
    if (item.path) {
      openFile(item.path);
    }
  });
  header.appendChild(link);
  box.appendChild(header);
  const pre = element('pre', 'jp-AIPersonas-diffBody');
  for (const line of (item.diff ?? '').split('\n')) {
    if (line.startsWith('---') || line.startsWith('+++')) {
      continue; // the file header above says it
    }
    const kind = line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : line.startsWith('@@') ? 'hunk' : 'ctx';
    pre.appendChild(element('span', `jp-AIPersonas-diff-${kind}`, line + '\n'));
  }
  box.appendChild(pre);
  return box;
}

function renderTerminal(command: string | null | undefined, item?: IToolContent): HTMLElement {
  const pre = element('pre', 'jp-AIPersonas-terminal');
  if (command) {
    pre.appendChild(element('span', 'jp-AIPersonas-command', `$ ${command}\n`));
  }
  if (item?.output) {
    pre.appendChild(element('span', 'jp-AIPersonas-output', item.output));
  }
  if (item?.exit_code !== undefined && item?.exit_code !== null) {
    pre.appendChild(element('span', 'jp-AIPersonas-exitCode', `\n(exit code ${item.exit_code})`));
  }
  return pre;
}

export function renderToolCall(call: IToolCall, openFile: OpenFile): HTMLElement {
  const box = element('div', 'jp-AIPersonas-toolCall');
  box.dataset.status = call.status;
  const header = element('div', 'jp-AIPersonas-toolHeader');
  header.appendChild(element('span', 'jp-AIPersonas-statusIcon', STATUS_ICONS[call.status] ?? '🔧'));
  header.appendChild(element('span', 'jp-AIPersonas-toolTitle', call.title || 'Tool call'));
  header.appendChild(element('span', 'jp-AIPersonas-toolKind', call.kind));
  header.appendChild(element('span', 'jp-AIPersonas-toolStatus', call.status.replace('_', ' ')));
  box.appendChild(header);
  for (const warning of call.warnings ?? []) {
    // a path outside the root, hidden or protected: shown first, before anything else
    box.appendChild(element('div', 'jp-AIPersonas-pathWarning', `⚠️ ${warning.replace(/`/g, '')}`));
  }
  const hasDiff = call.content.some(item => item.type === 'diff');
  if (!hasDiff && call.locations.length) {
    const places = element('div', 'jp-AIPersonas-locations');
    for (const path of call.locations.slice(0, 5)) {
      const link = element('a', 'jp-AIPersonas-fileLink', path);
      link.href = '#';
      link.addEventListener('click', event => {
        event.preventDefault();
        openFile(path);
      });
      places.appendChild(link);
    }
    box.appendChild(places);
  }
  const terminals = call.content.filter(item => item.type === 'terminal');
  if (call.command && !terminals.length) {
    box.appendChild(renderTerminal(call.command));
  }
  for (const item of call.content) {
    if (item.type === 'diff') {
      box.appendChild(renderDiff(item, openFile));
    } else if (item.type === 'terminal') {
      box.appendChild(renderTerminal(call.command ?? item.command, item));
    } else if (item.text) {
      box.appendChild(element('div', 'jp-AIPersonas-toolText', item.text));
    }
  }
  if (call.note) {
    box.appendChild(element('div', 'jp-AIPersonas-note', call.note));
  }
  return box;
}

export function renderPlan(entries: IPlanEntry[]): HTMLElement {
  const box = element('div', 'jp-AIPersonas-plan');
  box.appendChild(element('div', 'jp-AIPersonas-planTitle', '📋 Plan'));
  const list = element('ul', 'jp-AIPersonas-planList');
  for (const entry of entries) {
    const item = element('li', 'jp-AIPersonas-planEntry');
    item.dataset.status = entry.status;
    const box = element('input') as HTMLInputElement;
    box.type = 'checkbox';
    box.checked = entry.status === 'completed';
    box.disabled = true;
    item.appendChild(box);
    item.appendChild(element('span', 'jp-AIPersonas-planIcon', PLAN_ICONS[entry.status] ?? '⬜'));
    item.appendChild(element('span', 'jp-AIPersonas-planText', entry.content));
    list.appendChild(item);
  }
  box.appendChild(list);
  return box;
}

export function renderPermission(state: IPermissionState, chatId: string | undefined): HTMLElement {
  const box = element('div', 'jp-AIPersonas-permission');
  box.dataset.status = state.status;
  box.appendChild(element('span', 'jp-AIPersonas-permissionTitle', `🔐 Permission request #${Math.round(state.request)}`));
  if (state.status !== 'pending') {
    box.appendChild(element('span', 'jp-AIPersonas-answer', state.answer?.line ?? state.status));
    return box;
  }
  const buttons = element('span', 'jp-AIPersonas-permissionButtons');
  const error = element('div', 'jp-AIPersonas-error');
  for (const option of state.options) {
    const button = element('button', `jp-AIPersonas-option jp-mod-styled jp-AIPersonas-${option.kind}`, option.name);
    button.dataset.optionId = option.option_id;
    if (option.kind === 'allow_always' && state.always_scope) {
      button.title = `Always allow: ${state.always_scope.replace(/`/g, '')}`;
    }
    button.addEventListener('click', async () => {
      buttons.querySelectorAll('button').forEach(b => ((b as HTMLButtonElement).disabled = true));
      error.textContent = '';
      try {
        await answerPermission({ chatId }, Math.round(state.request), option.option_id);
      } catch (reason) {
        // e.g. answered meanwhile by someone else (the message updates itself then)
        error.textContent = String((reason as Error).message ?? reason);
        buttons.querySelectorAll('button').forEach(b => ((b as HTMLButtonElement).disabled = false));
      }
    });
    buttons.appendChild(button);
  }
  box.appendChild(buttons);
  const number = Math.round(state.request);
  const words = state.options.some(o => o.kind === 'allow_always')
    ? `/allow ${number}, /always ${number} or /reject ${number}`
    : `/allow ${number} or /reject ${number}`;
  box.appendChild(element('div', 'jp-AIPersonas-hint', `or type ${words} in the chat`));
  if (state.always_scope && state.options.some(o => o.kind === 'allow_always')) {
    box.appendChild(element('div', 'jp-AIPersonas-hint', `“Always” covers ${state.always_scope.replace(/`/g, '')}`));
  }
  box.appendChild(error);
  return box;
}

/**
 * A rich persona message, rendered from its structured data.
 */
export class RichMessageRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(private _openFile: OpenFile) {
    super();
    this.addClass('jp-AIPersonas-rich');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[RICH_MIME] as unknown as IRichMessage;
    this.node.textContent = '';
    if (!data) {
      return;
    }
    this.node.dataset.kind = data.kind;
    if (data.kind === 'tool_call' && data.tool_call) {
      const call = renderToolCall(data.tool_call, this._openFile);
      if (data.permission) {
        call.appendChild(renderPermission(data.permission, data.chat_id));
      }
      this.node.appendChild(call);
    } else if (data.kind === 'plan') {
      this.node.appendChild(renderPlan(data.entries ?? []));
    } else if (data.kind === 'question' && data.question) {
      this.node.appendChild(renderQuestion(data.question, data.chat_id));
    } else if (data.kind === 'permission' && data.permission) {
      this.node.appendChild(element('div', 'jp-AIPersonas-description', data.description ?? ''));
      this.node.appendChild(renderPermission(data.permission, data.chat_id));
    } else {
      const markdown = model.data['text/markdown'];
      this.node.appendChild(element('div', 'jp-AIPersonas-toolText', String(markdown ?? '')));
    }
  }
}

export function richRendererFactory(openFile: OpenFile): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [RICH_MIME],
    defaultRank: 10,
    createRenderer: () => new RichMessageRenderer(openFile)
  };
}
