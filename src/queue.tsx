/**
 * A message that waits for a busy persona says so under it, with a button to take it back,
 * and one to send it into the turn under way when the agent takes messages during a turn.
 * The server publishes the queue over the chat's awareness (it is never saved).
 */
import type { IChatModel, MessageFooterSectionProps } from '@jupyter/chat';
import { Notification } from '@jupyterlab/apputils';
import * as React from 'react';

import { sendNow, stopPersona } from './api';
import type { IWaitingMessage } from './types';
import { QUEUE_AWARENESS_KEY } from './types';

interface IAwareness {
  getStates(): Map<number, Record<string, unknown>>;
  on(event: 'change', listener: () => void): void;
  off(event: 'change', listener: () => void): void;
}

function awarenessOf(model: IChatModel): IAwareness | null {
  return (model as unknown as { sharedModel?: { awareness?: IAwareness } }).sharedModel?.awareness ?? null;
}

/** The well-formed entries of a client's queue field (any client can write its awareness). */
function entriesOf(state: Record<string, unknown> | undefined): IWaitingMessage[] {
  const queue = state?.[QUEUE_AWARENESS_KEY];
  if (!Array.isArray(queue)) {
    return [];
  }
  return queue.filter(
    (entry): entry is IWaitingMessage =>
      typeof entry === 'object' &&
      entry !== null &&
      typeof entry.message_id === 'string' &&
      typeof entry.persona === 'string' &&
      typeof entry.name === 'string' &&
      typeof entry.ahead === 'number' &&
      (entry.can_send_now === undefined || typeof entry.can_send_now === 'boolean')
  );
}

/**
 * A chat's queue, read once per awareness change and shared by every message footer (each
 * footer re-renders only when its own entries change).
 */
class SharedQueue {
  private _byMessage = new Map<string, IWaitingMessage[]>();
  private _listeners = new Set<() => void>();

  constructor(awareness: IAwareness | null) {
    this._awareness = awareness;
    awareness?.on('change', () => this._update());
    this._update();
  }

  /** The ids of the messages waiting for a busy persona. */
  get ids(): Set<string> {
    return new Set(this._byMessage.keys());
  }

  get(messageId: string): IWaitingMessage[] {
    return this._byMessage.get(messageId) ?? [];
  }

  subscribe(listener: () => void): () => void {
    this._listeners.add(listener);
    return () => {
      this._listeners.delete(listener);
    };
  }

  private _update(): void {
    const next = new Map<string, IWaitingMessage[]>();
    this._awareness?.getStates().forEach(state =>
      entriesOf(state).forEach(entry => next.set(entry.message_id, [...(next.get(entry.message_id) ?? []), entry]))
    );
    if (next.size === 0 && this._byMessage.size === 0) {
      return; // nothing waits, before or now: no footer changes
    }
    this._byMessage = next;
    this._listeners.forEach(listener => listener());
  }

  private _awareness: IAwareness | null;
}

const queues = new WeakMap<IChatModel, SharedQueue>();

/** The queue of a chat (made on first use). */
export function chatQueue(model: IChatModel): SharedQueue {
  let found = queues.get(model);
  if (!found) {
    found = new SharedQueue(awarenessOf(model));
    queues.set(model, found);
  }
  return found;
}

function same(a: IWaitingMessage[], b: IWaitingMessage[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function QueueFooter(props: MessageFooterSectionProps): JSX.Element | null {
  const { model, message } = props;
  const queue = chatQueue(model);
  const [waiting, setWaiting] = React.useState(() => queue.get(message.id));
  const [pending, setPending] = React.useState(false);
  React.useEffect(
    () =>
      queue.subscribe(() => {
        const now = queue.get(message.id);
        setWaiting(before => (same(before, now) ? before : now));
      }),
    [queue, message.id]
  );
  if (!waiting.length) {
    return null;
  }
  const chatId = (model as unknown as { id?: string }).id;
  const act = (request: () => Promise<unknown>) => {
    setPending(true); // one request at a time: a second click would only be told it is gone
    void request()
      .catch(error => Notification.warning(String(error?.message ?? error), { autoClose: 5000 }))
      .finally(() => setPending(false));
  };
  // only who sent it may send it now (the server checks; an owner can use the REST route)
  const mine = model.user?.username === message.sender.username;
  return (
    <span className="jp-AIPersonas-queued">
      {waiting.map(entry => (
        <span key={entry.persona}>
          ⏳ Waiting for {entry.name} ({entry.ahead === 1 ? 'after the reply under way' : `${entry.ahead} replies ahead`})
          {entry.can_send_now && mine && (
            <button
              className="jp-AIPersonas-send-now jp-mod-styled"
              title={`Give this message to ${entry.name} now, in the reply under way`}
              disabled={pending}
              onClick={() => act(() => sendNow({ chatId }, entry.persona, message.id))}
            >
              Send now
            </button>
          )}
          <button
            className="jp-AIPersonas-unqueue jp-mod-styled"
            title={`Take this message back: ${entry.name} will not answer it`}
            disabled={pending}
            onClick={() => act(() => stopPersona({ chatId }, entry.persona, message.id))}
          >
            Cancel
          </button>
        </span>
      ))}
    </span>
  );
}
