/**
 * This page's end of the server's JupyterLab channel: tools (MCP) list and run the commands
 * of the page a person uses. The socket is behind Jupyter's authentication; it reconnects.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

/** A request of the server's JupyterLab channel (lab_channel.py). */
type ILabRequest =
  | { id: number; type: 'list' }
  | { id: number; type: 'execute'; command: string; args?: ReadonlyPartialJSONObject };

const PATH = 'api/ai-personas/lab';

function label(app: JupyterFrontEnd, id: string): string {
  try {
    return app.commands.label(id);
  } catch {
    return ''; // a label that needs arguments
  }
}

/** What a command returned, as JSON: plain values, or the id of the widget it opened. */
function serializable(result: unknown): unknown {
  if (result === undefined || result === null) {
    return null;
  }
  if (['string', 'number', 'boolean'].includes(typeof result)) {
    return result;
  }
  const id = (result as { id?: unknown }).id;
  return typeof id === 'string' ? { widget: id } : null;
}

async function answer(app: JupyterFrontEnd, request: ILabRequest): Promise<unknown> {
  if (request.type === 'list') {
    return app.commands.listCommands().map(id => ({ id, label: label(app, id) }));
  }
  if (!app.commands.hasCommand(request.command)) {
    throw new Error(`no command ${request.command} in this JupyterLab`);
  }
  return serializable(await app.commands.execute(request.command, request.args ?? {}));
}

export function connectLabChannel(app: JupyterFrontEnd): void {
  const settings = ServerConnection.makeSettings();
  let delay = 1000;
  const open = (): void => {
    let url = URLExt.join(settings.wsUrl, PATH);
    if (settings.token) {
      url += `?token=${encodeURIComponent(settings.token)}`;
    }
    const socket = new settings.WebSocket(url);
    const active = (): void => {
      if (socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: 'active' }));
      }
    };
    socket.onopen = () => {
      delay = 1000;
      if (document.hasFocus()) {
        active();
      }
    };
    socket.onmessage = async event => {
      const request = JSON.parse(String(event.data)) as ILabRequest;
      try {
        const result = await answer(app, request);
        socket.send(JSON.stringify({ id: request.id, result }));
      } catch (error) {
        socket.send(JSON.stringify({ id: request.id, error: String(error) }));
      }
    };
    socket.onclose = () => {
      window.removeEventListener('focus', active);
      window.setTimeout(open, delay);
      delay = Math.min(delay * 2, 30000);
    };
    window.addEventListener('focus', active);
  };
  open();
}
