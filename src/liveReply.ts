/**
 * The renderer of a reply that is still streaming. Its body is shared text in the chat's
 * document (the server sends only the new characters), which jupyterlab-chat's own model does
 * not follow, so this renderer reads the message from the document and renders its markdown
 * again when the text grows, at most once per frame. When the reply ends the server makes the
 * body a plain string: this renders it once more and stops listening.
 */
import { IChatTracker } from '@jupyter/chat';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { LIVE_MIME } from './types';

/** What this renderer uses of the Yjs types (structural: no dependency on yjs itself). */
interface IYMessage {
  get(key: string): unknown;
  observeDeep(listener: () => void): void;
  unobserveDeep(listener: () => void): void;
}

interface IYDoc {
  getArray(name: string): { toArray(): IYMessage[] };
  getMap(name: string): { get(key: string): unknown };
}

interface ILiveRef {
  chat_id: string;
  message_id: string;
}

export type FindMessage = (ref: ILiveRef) => IYMessage | null;

/** Whether a message is the reply `ref` names: that id, written by a persona (a MIME model
 * written by someone else cannot make this render a person's message). */
function isPersonaReply(doc: IYDoc, message: IYMessage, ref: ILiveRef): boolean {
  const sender = doc.getMap('users').get(String(message.get('sender'))) as { bot?: boolean } | undefined;
  return message.get('id') === ref.message_id && sender?.bot === true;
}

/** A finder over the chats open in this JupyterLab (main area and side panel). */
export function messageFinder(tracker: IChatTracker | null): FindMessage {
  return ref => {
    let found: IYMessage | null = null;
    tracker?.forEach(widget => {
      const shared = (widget.model as unknown as { sharedModel?: { id?: string; ydoc?: IYDoc } })
        .sharedModel;
      if (!found && shared?.ydoc && shared.id === ref.chat_id) {
        const doc = shared.ydoc;
        found = doc.getArray('messages').toArray().find(m => isPersonaReply(doc, m, ref)) ?? null;
      }
    });
    return found;
  };
}

class LiveReplyRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(
    private _rendermime: IRenderMimeRegistry,
    private _find: FindMessage
  ) {
    super();
    this.addClass('jp-AIPersonas-liveReply');
    this._markdown = _rendermime.createRenderer('text/markdown');
    this.node.appendChild(this._markdown.node);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this._stopListening();
    this._ref = (model.data[LIVE_MIME] as unknown as ILiveRef | undefined) ?? null;
    this._attach();
    await this._render();
  }

  /** Find the message and follow it; while its chat is not known yet (a widget about to be
   * tracked), look again a few times. */
  private _attach(attempt = 0): void {
    this._message = this._ref ? this._find(this._ref) : null;
    if (this._message && typeof this._message.get('body') !== 'string') {
      this._message.observeDeep(this._changed);
      this._listening = true;
    } else if (!this._message && this._ref && attempt < 20) {
      setTimeout(() => {
        if (!this.isDisposed && !this._message) {
          this._attach(attempt + 1);
          if (this._message) {
            void this._render();
          }
        }
      }, 100);
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._stopListening();
    this._markdown.dispose();
    super.dispose();
  }

  private _changed = (): void => {
    if (!this._scheduled) {
      this._scheduled = true;
      requestAnimationFrame(() => {
        this._scheduled = false;
        if (!this.isDisposed) {
          void this._render();
        }
      });
    }
  };

  private async _render(): Promise<void> {
    if (this._rendering) {
      this._again = true; // one more pass when this one ends: never two at once
      return;
    }
    this._rendering = true;
    try {
      do {
        this._again = false;
        const body = this._message?.get('body');
        if (typeof body === 'string') {
          this._stopListening(); // the reply ended: nothing more will come
        }
        const text = body === undefined || body === null ? '…' : String(body);
        await this._markdown.renderModel(this._rendermime.createModel({ data: { 'text/markdown': text } }));
      } while (this._again && !this.isDisposed);
    } finally {
      this._rendering = false;
    }
  }

  private _stopListening(): void {
    if (this._listening) {
      this._message?.unobserveDeep(this._changed);
      this._listening = false;
    }
  }

  private _markdown: IRenderMime.IRenderer;
  private _ref: ILiveRef | null = null;
  private _message: IYMessage | null = null;
  private _listening = false;
  private _scheduled = false;
  private _rendering = false;
  private _again = false;
}

export function liveReplyRendererFactory(
  rendermime: IRenderMimeRegistry,
  find: FindMessage
): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [LIVE_MIME],
    defaultRank: 10,
    createRenderer: () => new LiveReplyRenderer(rendermime, find)
  };
}
