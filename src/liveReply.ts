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
}

interface ILiveRef {
  chat_id: string;
  message_id: string;
}

export type FindMessage = (ref: ILiveRef) => IYMessage | null;

/** A finder over the chats open in this JupyterLab (main area and side panel). */
export function messageFinder(tracker: IChatTracker | null): FindMessage {
  return ref => {
    const docs: { id?: string; ydoc?: IYDoc }[] = [];
    tracker?.forEach(widget => {
      const shared = (widget.model as unknown as { sharedModel?: { id?: string; ydoc?: IYDoc } })
        .sharedModel;
      if (shared?.ydoc) {
        docs.push(shared);
      }
    });
    // the chat named first; any other as a fallback (a chat without an id yet)
    docs.sort((a, b) => Number(b.id === ref.chat_id) - Number(a.id === ref.chat_id));
    for (const shared of docs) {
      const message = shared.ydoc?.getArray('messages').toArray().find(m => m.get('id') === ref.message_id);
      if (message) {
        return message;
      }
    }
    return null;
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
    const ref = model.data[LIVE_MIME] as unknown as ILiveRef | undefined;
    this._message = ref ? this._find(ref) : null;
    if (this._message && typeof this._message.get('body') !== 'string') {
      this._message.observeDeep(this._changed);
      this._listening = true;
    }
    await this._render();
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
        void this._render();
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
