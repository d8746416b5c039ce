/**
 * "📎 Attach": the notebook cell (or the lines) a person is working on, attached to their next
 * message. jupyterlab-chat's selection watcher follows the last notebook or file editor in the
 * main area; this turns what it sees into the chat's own attachment (a notebook with cells, or
 * a file, each with its selection), which the server hands to the agent with the live text.
 */
import type { IChatModel } from '@jupyter/chat';
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification, ToolbarButton } from '@jupyterlab/apputils';

interface IPosition {
  line: number;
  column: number;
}

/** A range from the watcher's selection, in reading order (a selection can run backwards). */
function range(start: IPosition, end: IPosition, text: string) {
  const forward = start.line < end.line || (start.line === end.line && start.column <= end.column);
  const [first, last] = forward ? [start, end] : [end, start];
  return {
    start: [first.line, first.column] as [number, number],
    end: [last.line, last.column] as [number, number],
    content: text
  };
}

/** Attach what the person works on to `model`'s input; an explanation when there is nothing. */
export function attachSelection(model: IChatModel, shell: JupyterFrontEnd.IShell): string | null {
  const selection = model.input.selectionWatcher?.selection;
  if (!selection || !model.input.addAttachment) {
    return 'Put the cursor in a notebook cell or a file open beside this chat, then attach.';
  }
  let widget: any = null;
  for (const candidate of shell.widgets('main')) {
    if (candidate.id === selection.widgetId) {
      widget = candidate;
    }
  }
  // collaborative documents live on the "RTC:" drive: the server wants the plain path
  const path = String(widget?.context?.path ?? '').replace(/^[^/:]+:/, '');
  if (!path) {
    return 'The document of that selection is closed.';
  }
  const lines = selection.text ? { selection: range(selection.start, selection.end, selection.text) } : {};
  if (selection.cellId) {
    const cell = (widget.content?.widgets ?? []).find((c: any) => c.model?.id === selection.cellId);
    const inputType = (cell?.model?.type ?? 'code') as 'code' | 'markdown' | 'raw';
    model.input.addAttachment({
      type: 'notebook',
      value: path,
      cells: [{ id: selection.cellId, input_type: inputType, ...lines }]
    });
  } else {
    model.input.addAttachment({ type: 'file', value: path, ...lines });
  }
  return null;
}

export function attachButton(model: IChatModel, shell: JupyterFrontEnd.IShell): ToolbarButton {
  return new ToolbarButton({
    className: 'jp-AIPersonas-attach',
    label: '📎 Attach',
    tooltip: 'Attach the notebook cell or the lines you selected beside this chat to your next message',
    onClick: () => {
      const problem = attachSelection(model, shell);
      if (problem) {
        Notification.info(problem, { autoClose: 5000 });
      }
    }
  });
}
